package org.stargzstore.fs.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

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
 */
public record LayerRecord(
    @JsonProperty("digest") String digest,
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("size") long size,
    @JsonProperty("tocDigest") String tocDigest,
    @JsonProperty("format") String format,
    @JsonProperty("tocOffset") long tocOffset,
    @JsonProperty("tocLength") long tocLength,
    @JsonProperty("tocUncompressedLength") long tocUncompressedLength,
    @JsonProperty("tocBlob") String tocBlob) {

  @JsonCreator
  public LayerRecord {}
}
