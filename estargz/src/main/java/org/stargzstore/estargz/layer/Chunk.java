package org.stargzstore.estargz.layer;

import java.util.Objects;
import org.stargzstore.types.Digest;

/**
 * One verifiable piece of a regular file: where its bytes sit in the file and in the compressed
 * blob, and the digest they must hash to. The unit of fetching, caching and verification.
 *
 * @param fileName normalised name of the file (for error messages)
 * @param fileOffset where the chunk starts in the file
 * @param size uncompressed length
 * @param compressedOffset where the compressed unit holding this chunk starts in the blob
 * @param compressedEnd where that unit ends (exclusive): the next distinct unit's offset, the
 *     entry's {@code endOffset}, or the TOC offset
 * @param innerOffset where the chunk starts inside the decompressed unit (several small chunks
 *     may share one unit)
 * @param digest the chunk digest (for a one-chunk file without {@code chunkDigest}, the file's)
 * @param zeros true for a containers/storage zero chunk: nothing is stored, the bytes are zeros
 */
public record Chunk(
    String fileName,
    long fileOffset,
    long size,
    long compressedOffset,
    long compressedEnd,
    long innerOffset,
    Digest digest,
    boolean zeros) {

  public Chunk {
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(digest, "digest");
    if (fileOffset < 0 || size < 0 || innerOffset < 0) {
      throw new IllegalArgumentException("negative chunk field in " + fileName);
    }
    if (!zeros && compressedEnd <= compressedOffset) {
      throw new IllegalArgumentException("empty compressed range for chunk of " + fileName
          + " at " + fileOffset + ": [" + compressedOffset + ", " + compressedEnd + ")");
    }
  }

  /** Compressed bytes to fetch for this chunk's unit. */
  public long compressedLength() {
    return zeros ? 0 : compressedEnd - compressedOffset;
  }

  /** Where the chunk ends in the file (exclusive). */
  public long fileEnd() {
    return fileOffset + size;
  }
}
