package org.stargzstore.fs.als;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.stargzstore.estargz.Digest;

/**
 * The {@code info} file: a containers/storage {@code Layer} JSON with the union of the fields
 * both podman generations read (see docs/als.md): 1.43 needs {@code diff-digest}, current
 * versions need {@code toc-digest} and the {@code expected-layer-diffid} flag.
 */
public final class LayerInfoJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LayerInfoJson() {}

  /**
   * @param uncompressedSize the layer tar's size, or -1 if unknown
   * @param compression containers/storage's compression number (2 gzip, 4 zstd)
   */
  public static byte[] of(Digest compressedDigest, long compressedSize, Digest diffId,
      long uncompressedSize, int compression, Digest tocDigest) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("compressed-diff-digest", compressedDigest.toString());
    m.put("compressed-size", compressedSize);
    m.put("diff-digest", diffId.toString());
    m.put("diff-size", uncompressedSize);
    m.put("compression", compression);
    m.put("toc-digest", tocDigest.toString());
    m.put("flags", Map.of("expected-layer-diffid", diffId.toString()));
    m.put("read-only", true);
    try {
      return (JSON.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
