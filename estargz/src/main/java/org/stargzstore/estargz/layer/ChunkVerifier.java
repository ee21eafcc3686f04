package org.stargzstore.estargz.layer;

import org.stargzstore.estargz.ChunkDigestMismatchException;
import org.stargzstore.types.Digest;

/** Checks a chunk's bytes against its TOC digest: the one gate every served byte passes. */
public final class ChunkVerifier {
  private ChunkVerifier() {}

  /** Returns normally only if {@code data} is exactly the chunk's content. */
  public static void verify(String blob, Chunk chunk, byte[] data)
      throws ChunkDigestMismatchException {
    verify(blob, chunk, data, 0, data.length);
  }

  public static void verify(String blob, Chunk chunk, byte[] data, int off, int len)
      throws ChunkDigestMismatchException {
    if (len != chunk.size() || !chunk.digest().matches(data, off, len)) {
      Digest actual = Digest.of(data, off, len);
      throw new ChunkDigestMismatchException(blob, chunk.fileName(), chunk.fileOffset(),
          chunk.size(), chunk.digest(), actual);
    }
  }
}
