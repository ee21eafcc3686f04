package org.stargzstore.zstdchunked;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.stargzstore.estargz.InvalidFooterException;
import org.stargzstore.estargz.layer.TocLocation;

/**
 * The zstd:chunked footer: the last bytes of the blob, inside a zstd skippable frame (magic
 * {@code 50 2a 4d 18}, LE u32 length) so that decompressors skip it. Three layouts exist (see
 * {@code zstdchunked/README.md} for the sources):
 *
 * <pre>
 * 40 bytes  stargz-snapshotter, containers/storage up to 1.46 (podman 4.x):
 *           u64 manifestOffset, u64 compressedLength, u64 uncompressedLength, u64 type=1,
 *           "GnUlInUx"
 * 56 bytes  containers/storage 1.47 - 1.49: the 40 bytes above, then 16 zero bytes
 * 64 bytes  containers/storage 1.50+: u64 manifestOffset, u64 compressedLength,
 *           u64 uncompressedLength, u64 type=1, u64 tarSplitOffset, u64 tarSplitLength,
 *           u64 tarSplitUncompressedLength, "GNUlInUx"
 * </pre>
 *
 * All integers are little-endian; {@code manifestOffset} points at the manifest's zstd frame,
 * 8 bytes after the start of the skippable frame that holds it.
 */
record ZstdChunkedFooter(Layout layout, TocLocation manifest, long tarSplitOffset,
    long tarSplitLength) {

  static final byte[] SKIPPABLE_MAGIC = {0x50, 0x2a, 0x4d, 0x18};
  static final int SKIPPABLE_HEADER = 8;
  static final long MANIFEST_TYPE_CRFS = 1;
  private static final byte[] MAGIC_V40 = "GnUlInUx".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MAGIC_V64 = "GNUlInUx".getBytes(StandardCharsets.US_ASCII);

  /** Which writer generation the footer comes from. */
  enum Layout {
    /** 40 bytes: stargz-snapshotter, or containers/storage up to 1.46. */
    V40(40),
    /** 56 bytes: containers/storage 1.47 to 1.49 (40-byte layout padded with zeros). */
    V56(56),
    /** 64 bytes: containers/storage 1.50 and later, with the tar-split position. */
    V64(64);

    final int size;

    Layout(int size) {
      this.size = size;
    }
  }

  /** Size of the whole footer frame (skippable header included) of the largest layout. */
  static final int MAX_FRAME = SKIPPABLE_HEADER + Layout.V64.size;

  /**
   * Recognises a footer at the end of {@code tail} (the last bytes of a blob of
   * {@code blobSize} bytes).
   *
   * @throws InvalidFooterException if it is a zstd:chunked footer that points outside the blob
   *     or names an unknown manifest type
   */
  static Optional<ZstdChunkedFooter> parse(byte[] tail, long blobSize, String blob)
      throws InvalidFooterException {
    for (Layout layout : new Layout[] {Layout.V64, Layout.V56, Layout.V40}) {
      Optional<ZstdChunkedFooter> f = parse(tail, layout, blobSize, blob);
      if (f.isPresent()) {
        return f;
      }
    }
    return Optional.empty();
  }

  private static Optional<ZstdChunkedFooter> parse(byte[] tail, Layout layout, long blobSize,
      String blob) throws InvalidFooterException {
    int frame = SKIPPABLE_HEADER + layout.size;
    if (tail.length < frame) {
      return Optional.empty();
    }
    int h = tail.length - frame;
    int f = h + SKIPPABLE_HEADER;
    ByteBuffer le = ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN);
    if (!Arrays.equals(tail, h, h + 4, SKIPPABLE_MAGIC, 0, 4)
        || le.getInt(h + 4) != layout.size) {
      return Optional.empty();
    }
    boolean magicOk = switch (layout) {
      case V40 -> Arrays.equals(tail, f + 32, f + 40, MAGIC_V40, 0, 8);
      case V56 -> Arrays.equals(tail, f + 32, f + 40, MAGIC_V40, 0, 8) && zeros(tail, f + 40, 16);
      case V64 -> Arrays.equals(tail, f + 56, f + 64, MAGIC_V64, 0, 8);
    };
    if (!magicOk) {
      return Optional.empty();
    }
    long offset = le.getLong(f);
    long compressed = le.getLong(f + 8);
    long uncompressed = le.getLong(f + 16);
    long type = le.getLong(f + 24);
    long tarSplitOffset = layout == Layout.V64 ? le.getLong(f + 32) : 0;
    long tarSplitLength = layout == Layout.V64 ? le.getLong(f + 40) : 0;
    if (type != MANIFEST_TYPE_CRFS) {
      throw new InvalidFooterException(blob, "zstd:chunked footer names manifest type " + type
          + "; only type 1 (CRFS) is known");
    }
    long footerStart = blobSize - frame;
    if (offset < SKIPPABLE_HEADER || compressed <= 0 || uncompressed < 0
        || offset > footerStart || compressed > footerStart - offset) {
      throw new InvalidFooterException(blob, "zstd:chunked footer puts the manifest at ["
          + offset + ", +" + compressed + ") but the blob has " + footerStart
          + " bytes before its footer (truncated or corrupt)");
    }
    return Optional.of(new ZstdChunkedFooter(layout,
        new TocLocation(offset, compressed, uncompressed), tarSplitOffset, tarSplitLength));
  }

  private static boolean zeros(byte[] b, int from, int n) {
    for (int i = from; i < from + n; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
