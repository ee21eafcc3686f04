package org.stargzstore.fs.als;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.fetch.BoundedStream;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.TarSplitLocation;
import org.stargzstore.zstdchunked.TarSplitTarSize;

/**
 * The exact tar size of a containers/storage zstd:chunked layer from its tar-split, fetched with
 * one range request and streamed (hashed and summed as it arrives, never held whole). The result
 * is used only if the tar-split's bytes hash to the digest that vouches for them (the TOC's
 * {@code tarSplitDigest}, or the 1.47-1.53 annotation): an unauthenticated tar-split could state
 * any size.
 */
final class TarSplitSize {
  /** Thrown when the fetched tar-split is not the one its digest names. */
  static final class MismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    MismatchException(String message) {
      super(message);
    }
  }

  private TarSplitSize() {}

  /**
   * @param maxLength the largest compressed tar-split fetched (the TOC cap)
   * @throws MismatchException if the bytes do not hash to {@code expected}
   * @throws IOException if the fetch fails, the tar-split is over the cap or does not parse
   */
  static long measure(BlobSource blob, TarSplitLocation at, Digest expected, long maxLength)
      throws IOException {
    if (at.length() > maxLength) {
      throw new IOException("its tar-split is " + at.length() + " bytes, over the "
          + maxLength + "-byte cap");
    }
    try (InputStream raw = blob.openStream(at.offset(), at.length())) {
      return measure(raw, at, expected);
    }
  }

  /**
   * As {@link #measure(BlobSource, TarSplitLocation, Digest, long)}, from the tar-split's bytes
   * already on their way ({@code raw} is positioned at {@code at.offset()}; read for
   * {@code at.length()} bytes, not closed).
   */
  static long measure(InputStream raw, TarSplitLocation at, Digest expected)
      throws IOException {
    MessageDigest sha = Digest.newSha256();
    DigestInputStream hashed = new DigestInputStream(raw, sha);
    BoundedStream frame = new BoundedStream(hashed, at.length());
    long size;
    IOException parseError = null;
    try {
      size = TarSplitTarSize.of(frame);
    } catch (IOException e) {
      size = -1;
      parseError = e;
    }
    frame.skipRest();
    if (frame.remaining() > 0) {
      throw new IOException("the tar-split at " + at.offset() + " ended " + frame.remaining()
          + " bytes early");
    }
    Digest actual = Digest.fromBytes(sha.digest());
    if (!actual.equals(expected)) {
      throw new MismatchException("its tar-split (" + at.length() + " bytes at offset "
          + at.offset() + ") hashes to " + actual + ", not to " + expected
          + " which the layer states");
    }
    if (parseError != null) {
      throw new IOException("its tar-split does not read: " + parseError.getMessage(),
          parseError);
    }
    return size;
  }
}
