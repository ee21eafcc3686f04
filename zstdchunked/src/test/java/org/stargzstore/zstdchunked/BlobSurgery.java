package org.stargzstore.zstdchunked;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.stargzstore.types.Digest;

/**
 * Builds broken blobs by hand from the shared fixtures: flipped bytes, cut-off ends, garbage
 * footers, and TOCs rewritten by a JSON edit (re-packed as the format stores them: a gzip
 * member holding a tar for eStargz, a zstd frame in a skippable frame plus a fresh 40-byte
 * footer for zstd:chunked). Each layout is the one {@code docs/formats.md} and the producers'
 * sources describe, written here independently of the readers under test.
 */
final class BlobSurgery {
  private BlobSurgery() {}

  /** A rewritten blob and the digest its new TOC has in its format's terms. */
  record Rewritten(Path blob, Digest tocDigest) {}

  static Path copy(Path fixture, Path dir) throws IOException {
    Path out = dir.resolve(fixture.getFileName());
    Files.copy(fixture, out);
    return out;
  }

  static void flipByte(Path blob, long at) throws IOException {
    byte[] b = Files.readAllBytes(blob);
    b[(int) at] ^= 0x5a;
    Files.write(blob, b);
  }

  static void truncate(Path blob, long newSize) throws IOException {
    byte[] b = Files.readAllBytes(blob);
    Files.write(blob, Arrays.copyOf(b, (int) newSize));
  }

  /** Rewrites an eStargz blob's TOC: same data, new TOC member, same footer (same offset). */
  static Rewritten rewriteEstargzToc(Path fixture, Path out, Consumer<ObjectNode> edit)
      throws IOException {
    byte[] b = Files.readAllBytes(fixture);
    int footer = 51;
    long tocOffset = Long.parseLong(new String(b, b.length - footer + 16, 16,
        StandardCharsets.US_ASCII), 16);
    byte[] json = editJson(estargzTocJson(b, (int) tocOffset, b.length - footer), edit);
    ByteArrayOutputStream member = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(member);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      TarArchiveEntry e = new TarArchiveEntry("stargz.index.json");
      e.setSize(json.length);
      tar.putArchiveEntry(e);
      tar.write(json);
      tar.closeArchiveEntry();
    }
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    blob.write(b, 0, (int) tocOffset);
    blob.write(member.toByteArray());
    blob.write(b, b.length - footer, footer);
    Files.write(out, blob.toByteArray());
    return new Rewritten(out, Digest.of(json));
  }

  /**
   * Rewrites a zstd:chunked blob with a 40-byte footer: data up to the manifest's skippable
   * frame, the edited manifest in a new skippable frame, a new footer. The digest returned is
   * of the JSON ({@code stargzFlavour}) or of the compressed manifest (containers/storage).
   */
  static Rewritten rewriteZstdToc(Path fixture, Path out, boolean stargzFlavour,
      Consumer<ObjectNode> edit) throws IOException {
    byte[] b = Files.readAllBytes(fixture);
    ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int f = b.length - 40;
    long offset = le.getLong(f);
    long length = le.getLong(f + 8);
    byte[] oldJson = Zstd.decompress(Arrays.copyOfRange(b, (int) offset, (int) (offset + length)),
        (int) le.getLong(f + 16));
    byte[] json = editJson(oldJson, edit);
    byte[] frame = Zstd.compress(json, 3);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    blob.write(b, 0, (int) offset - 8);
    blob.write(skippable(frame));
    ByteBuffer footer = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    footer.putLong(offset).putLong(frame.length).putLong(json.length).putLong(1)
        .put("GnUlInUx".getBytes(StandardCharsets.US_ASCII));
    blob.write(skippable(footer.array()));
    Files.write(out, blob.toByteArray());
    return new Rewritten(out, stargzFlavour ? Digest.of(json) : Digest.of(frame));
  }

  private static byte[] skippable(byte[] payload) {
    ByteBuffer h = ByteBuffer.allocate(8 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    h.put(new byte[] {0x50, 0x2a, 0x4d, 0x18}).putInt(payload.length).put(payload);
    return h.array();
  }

  private static byte[] estargzTocJson(byte[] blob, int from, int to) throws IOException {
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        new java.util.zip.GZIPInputStream(
            new java.io.ByteArrayInputStream(blob, from, to - from)))) {
      tar.getNextEntry();
      return tar.readAllBytes();
    }
  }

  private static byte[] editJson(byte[] json, Consumer<ObjectNode> edit) throws IOException {
    ObjectMapper m = new ObjectMapper();
    ObjectNode toc = (ObjectNode) m.readTree(json);
    edit.accept(toc);
    return m.writeValueAsBytes(toc);
  }
}
