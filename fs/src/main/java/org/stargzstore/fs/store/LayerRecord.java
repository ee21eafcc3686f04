package org.stargzstore.fs.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.OptionalLong;

/**
 * What the store remembers about a layer it has opened, so that a restarted daemon re-opens it
 * from disk without asking the registry: its descriptor facts, its format, where its TOC is and
 * which stored blob holds the TOC's bytes.
 *
 * @param digest the layer blob's digest ({@code sha256:...})
 * @param tocDigest the digest its annotations give the TOC
 * @param format the {@code LayerFormat} name that read it
 * @param tocOffset compressed offset of the TOC in the blob
 * @param tocLength compressed length of the TOC
 * @param tocUncompressedLength uncompressed TOC length if known, else -1
 * @param tocBlob digest of the stored TOC bytes (as found in the blob)
 * @param diffSize the exact tar size once measured (from a tar-split or the frames between file
 *     payloads, which cost requests), else null; a size the manifest states is not kept here
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LayerRecord(
    @JsonProperty("digest") String digest,
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("size") long size,
    @JsonProperty("tocDigest") String tocDigest,
    @JsonProperty("format") String format,
    @JsonProperty("tocOffset") long tocOffset,
    @JsonProperty("tocLength") long tocLength,
    @JsonProperty("tocUncompressedLength") long tocUncompressedLength,
    @JsonProperty("tocBlob") String tocBlob,
    @JsonProperty("diffSize") Long diffSize) {

  @JsonCreator
  public LayerRecord {}

  /** A record of a layer whose tar size was not measured. */
  public LayerRecord(String digest, String mediaType, long size, String tocDigest, String format,
      long tocOffset, long tocLength, long tocUncompressedLength, String tocBlob) {
    this(digest, mediaType, size, tocDigest, format, tocOffset, tocLength,
        tocUncompressedLength, tocBlob, null);
  }

  /** This record with the measured tar size. */
  public LayerRecord withDiffSize(long measured) {
    return new LayerRecord(digest, mediaType, size, tocDigest, format, tocOffset, tocLength,
        tocUncompressedLength, tocBlob, measured);
  }

  /** The measured tar size, if any. */
  public OptionalLong measuredDiffSize() {
    return diffSize != null && diffSize >= 0 ? OptionalLong.of(diffSize) : OptionalLong.empty();
  }
}
