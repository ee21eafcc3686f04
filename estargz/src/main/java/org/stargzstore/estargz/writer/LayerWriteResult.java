package org.stargzstore.estargz.writer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * What writing a layer produced: everything an image manifest and config need to reference the
 * blob (media type, digest, size, annotations for the manifest; diffID for the config's
 * {@code rootfs.diff_ids}) plus the TOC digest and the uncompressed size for tools. All three
 * writers return it, so {@code convert} and tests treat the formats alike.
 *
 * @param mediaType OCI layer media type ({@code ...tar+gzip} or {@code ...tar+zstd})
 * @param digest sha256 of the blob
 * @param size blob size in bytes
 * @param diffId sha256 of the uncompressed tar stream (what {@code gzip -d} or {@code zstd -d}
 *     yields: skippable frames are not part of it)
 * @param tocDigest the digest a reader verifies the TOC against: sha256 of the TOC JSON for the
 *     stargz flavours, sha256 of the compressed manifest for containers/storage zstd:chunked
 * @param uncompressedSize length of the uncompressed tar stream
 * @param annotations the layer descriptor's annotations
 * @param warnings things the user should know that did not stop the conversion
 */
public record LayerWriteResult(String mediaType, Digest digest, long size, Digest diffId,
    Digest tocDigest, long uncompressedSize, Map<String, String> annotations,
    List<String> warnings) {

  public static final String MEDIA_TYPE_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String MEDIA_TYPE_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

  private static final JsonFactory JSON = new JsonFactory();

  public LayerWriteResult {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(diffId, "diffId");
    Objects.requireNonNull(tocDigest, "tocDigest");
    annotations = java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    warnings = List.copyOf(warnings);
  }

  /** The descriptor a manifest's {@code layers} entry carries for this blob. */
  public LayerDescriptor toDescriptor() {
    return new LayerDescriptor(mediaType, digest, size, annotations);
  }

  /**
   * The descriptor as JSON in the layout of the shared fixtures' {@code *.json}: mediaType,
   * digest, size, annotations, plus {@code diffID} and {@code tocDigest}.
   */
  public String toJson() {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
          .withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withSeparators(com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
              .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER));
      g.setPrettyPrinter(pp);
      g.writeStartObject();
      g.writeStringField("mediaType", mediaType);
      g.writeStringField("digest", digest.toString());
      g.writeNumberField("size", size);
      g.writeObjectFieldStart("annotations");
      for (Map.Entry<String, String> a : annotations.entrySet()) {
        g.writeStringField(a.getKey(), a.getValue());
      }
      g.writeEndObject();
      g.writeStringField("diffID", diffId.toString());
      g.writeStringField("tocDigest", tocDigest.toString());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString() + "\n";
  }

  /** Annotations in insertion order for builders that assemble them step by step. */
  static Map<String, String> annotations(String... keyValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return m;
  }
}
