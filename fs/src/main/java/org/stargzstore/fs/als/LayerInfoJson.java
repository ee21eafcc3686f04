package org.stargzstore.fs.als;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.types.Digest;

/**
 * The {@code info} file: a containers/storage {@code Layer} JSON, which c/storage takes as-is
 * into the layer's record in {@code layers.json} and indexes by every digest it holds. It
 * differs by the name podman looked the layer up by, because that name tells the podman
 * generation (docs/als.md, docs/design/als-layer-contract.md §1 and §7):
 *
 * <ul>
 *   <li>{@link #underTocDigest TOC digest} (podman 5.1+): no {@code diff-digest} and no
 *       {@code compressed-diff-digest}, which are claims about the whole tar and blob that a lazy
 *       store never verified; {@code toc-digest} (must be the requested name) and the
 *       {@code expected-layer-diffid} flag identify the layer; {@code diff-size} exact or -1.
 *   <li>{@link #underBlobDigest blob digest} (podman 4.x, 5.0): {@code diff-digest} is the
 *       layer's identity there and {@code diff-size} must be exact (save writes a tar header of that size).
 * </ul>
 */
public final class LayerInfoJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LayerInfoJson() {}

  /**
   * The {@code info} served under the layer's blob digest.
   *
   * @param uncompressedSize the exact length of the decompressed blob
   * @param compression containers/storage's compression number (2 gzip, 4 zstd)
   */
  public static byte[] underBlobDigest(Digest compressedDigest, long compressedSize,
      Digest diffId, long uncompressedSize, int compression, Digest tocDigest) {
    return underBlobDigest(compressedDigest, compressedSize, diffId, uncompressedSize,
        compression, tocDigest, List.of(), List.of());
  }

  /** As the six-argument form, with the uids and gids the layer's files use. */
  public static byte[] underBlobDigest(Digest compressedDigest, long compressedSize,
      Digest diffId, long uncompressedSize, int compression, Digest tocDigest,
      Collection<Integer> uids, Collection<Integer> gids) {
    if (uncompressedSize < 0) {
      throw new IllegalArgumentException("the blob-digest info needs the exact tar size");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("compressed-diff-digest", compressedDigest.toString());
    m.put("compressed-size", compressedSize);
    m.put("diff-digest", diffId.toString());
    m.put("diff-size", uncompressedSize);
    m.put("compression", compression);
    // ignored by containers/storage 1.43; read by 1.53 (podman 5.0), which also asks by blob digest
    m.put("toc-digest", tocDigest.toString());
    m.put("flags", Map.of("expected-layer-diffid", diffId.toString()));
    putIds(m, uids, gids);
    return bytes(m);
  }

  /**
   * The {@code info} served under the layer's TOC digest.
   *
   * @param requestedName the directory name podman asked for, which c/image 5.31+ requires
   *     {@code toc-digest} to equal (else the pull fails)
   * @param uncompressedSize the exact tar size if known without a request, else -1: containers/
   *     image 5.31+ accepts -1 for a TOC-identified layer (save streams it to a temporary file
   *     first, {@code system check} skips the size test), and never an estimate
   */
  public static byte[] underTocDigest(String requestedName, long compressedSize, Digest diffId,
      long uncompressedSize, int compression, Collection<Integer> uids,
      Collection<Integer> gids) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("compressed-size", compressedSize);
    m.put("diff-size", uncompressedSize < 0 ? -1 : uncompressedSize);
    m.put("compression", compression);
    m.put("toc-digest", requestedName);
    m.put("flags", Map.of("expected-layer-diffid", diffId.toString()));
    putIds(m, uids, gids);
    return bytes(m);
  }

  private static void putIds(Map<String, Object> m, Collection<Integer> uids,
      Collection<Integer> gids) {
    if (!uids.isEmpty()) {
      m.put("uidset", List.copyOf(uids));
    }
    if (!gids.isEmpty()) {
      m.put("gidset", List.copyOf(gids));
    }
  }

  private static byte[] bytes(Map<String, Object> m) {
    try {
      return (JSON.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
