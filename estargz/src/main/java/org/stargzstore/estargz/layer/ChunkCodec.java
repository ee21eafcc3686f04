package org.stargzstore.estargz.layer;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Turns the compressed bytes of a chunk's unit into the chunk's bytes. One per compression
 * (gzip members, zstd frames). Stateless and thread-safe; does not verify (see
 * {@link ChunkVerifier}): use {@link LayerReader} or the file system's fetcher, which always
 * verify, rather than calling a codec directly.
 */
public interface ChunkCodec {

  /**
   * Decompresses {@code unit[off, off+len)}, the compressed unit that starts at
   * {@code chunk.compressedOffset()}, and returns exactly {@code chunk.size()} bytes starting at
   * {@code chunk.innerOffset()} of the decompressed data.
   *
   * @throws org.stargzstore.estargz.LayerFormatException if the unit is not valid compressed
   *     data or ends before the chunk does
   */
  default byte[] decode(byte[] unit, int off, int len, Chunk chunk, String blob)
      throws IOException {
    long end = chunk.innerOffset() + chunk.size();
    if (end > Integer.MAX_VALUE - 8) {
      throw new org.stargzstore.estargz.LayerFormatException(blob, "chunk of '"
          + chunk.fileName() + "' at file offset " + chunk.fileOffset() + " ends " + end
          + " bytes into its unit: too large to decode in memory");
    }
    byte[] prefix = decodePrefix(unit, off, len, (int) end, blob);
    if (chunk.innerOffset() == 0) {
      return prefix;
    }
    return Arrays.copyOfRange(prefix, (int) chunk.innerOffset(), (int) end);
  }

  /**
   * Decompresses the first {@code length} bytes of the unit {@code unit[off, off+len)}: what a
   * reader does once for several chunks that share a unit, slicing each chunk out of it. Stops
   * decoding as soon as {@code length} bytes are out; whatever follows in the unit is not
   * looked at.
   *
   * @throws org.stargzstore.estargz.LayerFormatException if the unit is not valid compressed
   *     data or decompresses to fewer than {@code length} bytes
   */
  byte[] decodePrefix(byte[] unit, int off, int len, int length, String blob) throws IOException;

  /**
   * The decompressed bytes of a whole unit as a stream over its compressed bytes
   * {@code unit} (which must end where the unit ends): for units too large to decode in memory.
   * Decodes only as far as the caller reads; memory stays that of the decoder's window. Errors
   * in the compressed data surface as {@link IOException}s from the stream's reads.
   */
  InputStream decodeStream(InputStream unit, String blob) throws IOException;

  /**
   * The first output buffer for decoding {@code length} bytes from a unit of {@code unitLength}
   * compressed bytes: {@code length} if the unit could plausibly hold it, else a guess that
   * {@link #grow} enlarges as bytes come out. The length comes from the TOC, so allocating it
   * up front would let a few bytes of TOC claim gigabytes of memory.
   */
  static int initialOutputSize(int unitLength, int length) {
    return (int) Math.min(length, Math.max(64L << 10, 8L * unitLength));
  }

  /** {@code out} with its contents, twice as large (at most {@code length}). */
  static byte[] grow(byte[] out, int length) {
    return Arrays.copyOf(out, (int) Math.min(length, Math.max(1L, 2L * out.length)));
  }
}
