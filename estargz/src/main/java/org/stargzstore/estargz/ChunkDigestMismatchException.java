package org.stargzstore.estargz;

import org.stargzstore.types.Digest;

/**
 * A chunk's uncompressed bytes do not hash to the chunk digest in the TOC. The bytes are never
 * returned to the caller; the message names blob, file and chunk so an operator can act on it.
 */
public final class ChunkDigestMismatchException extends LayerFormatException {
  private static final long serialVersionUID = 1L;
  private final String entryName;
  private final long chunkOffset;
  private final long chunkSize;
  private final Digest expected;
  private final Digest actual;

  public ChunkDigestMismatchException(String blob, String entryName, long chunkOffset,
      long chunkSize, Digest expected, Digest actual) {
    super(blob, "chunk digest mismatch in file '" + entryName + "' at file offset " + chunkOffset
        + " (" + chunkSize + " bytes): the TOC says " + expected + " but the blob holds " + actual);
    this.entryName = entryName;
    this.chunkOffset = chunkOffset;
    this.chunkSize = chunkSize;
    this.expected = expected;
    this.actual = actual;
  }

  public String entryName() {
    return entryName;
  }

  public long chunkOffset() {
    return chunkOffset;
  }

  public long chunkSize() {
    return chunkSize;
  }

  public Digest expected() {
    return expected;
  }

  public Digest actual() {
    return actual;
  }
}
