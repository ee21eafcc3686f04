package org.stargzstore.zstdchunked.writer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The zstd framing both zstd:chunked flavours use for metadata: skippable frames (magic
 * {@code 0x184D2A50}, little-endian length), which every zstd decoder skips, so the blob still
 * decompresses to the plain tar; and the footers at the end of the blob.
 */
public final class SkippableFrames {
  /** Size of a skippable frame's header (magic and length). */
  public static final int HEADER_SIZE = 8;
  /** Manifest type of a CRFS-compatible TOC, the only one defined. */
  public static final long MANIFEST_TYPE_CRFS = 1;
  /** {@code GnUlInUx}: the 40-byte footer (stargz-snapshotter, containers/storage up to 1.4x). */
  static final byte[] MAGIC_40 = {0x47, 0x6e, 0x55, 0x6c, 0x49, 0x6e, 0x55, 0x78};
  /** {@code GNUlInUx}: the 64-byte footer of current containers/storage (with tar-split). */
  static final byte[] MAGIC_64 = {0x47, 0x4e, 0x55, 0x6c, 0x49, 0x6e, 0x55, 0x78};
  public static final int FOOTER_40 = 40;
  public static final int FOOTER_64 = 64;

  private SkippableFrames() {}

  /** {@code data} wrapped in a skippable frame. */
  public static byte[] wrap(byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0x184D2A50);
    b.putInt(data.length);
    b.put(data);
    return b.array();
  }

  /** The 40-byte footer: manifest offset, compressed and uncompressed length, type, magic. */
  public static byte[] footer40(long offset, long compressedLength, long uncompressedLength) {
    ByteBuffer b = ByteBuffer.allocate(FOOTER_40).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(offset).putLong(compressedLength).putLong(uncompressedLength)
        .putLong(MANIFEST_TYPE_CRFS).put(MAGIC_40);
    return b.array();
  }

  /** The 64-byte footer of current containers/storage: manifest and tar-split positions. */
  public static byte[] footer64(long offset, long compressedLength, long uncompressedLength,
      long tarSplitOffset, long tarSplitCompressed, long tarSplitUncompressed) {
    ByteBuffer b = ByteBuffer.allocate(FOOTER_64).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(offset).putLong(compressedLength).putLong(uncompressedLength)
        .putLong(MANIFEST_TYPE_CRFS).putLong(tarSplitOffset).putLong(tarSplitCompressed)
        .putLong(tarSplitUncompressed).put(MAGIC_64);
    return b.array();
  }
}
