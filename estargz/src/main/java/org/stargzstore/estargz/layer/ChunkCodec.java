package org.stargzstore.estargz.layer;

import java.io.IOException;

/**
 * Turns the compressed bytes of a chunk's unit into the chunk's bytes. One per compression
 * (gzip members, zstd frames). Stateless and thread-safe; does not verify (see
 * {@link ChunkVerifier}), so callers cannot forget that step by accident only if they use
 * {@link LayerReader} or the file system's fetcher, which always verify.
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
  byte[] decode(byte[] unit, int off, int len, Chunk chunk, String blob) throws IOException;
}
