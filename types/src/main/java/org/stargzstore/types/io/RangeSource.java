package org.stargzstore.types.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Random access to the bytes of one layer blob.
 *
 * <p>Every format reader goes through this one interface, so the same reader works on a local
 * file, on HTTP range requests against a registry, and on a local cache. Implementations must be
 * safe for concurrent use: readers issue reads from several threads at once.
 */
public interface RangeSource extends Closeable {

  /** The blob's total size in bytes. */
  long size() throws IOException;

  /**
   * Reads exactly {@code length} bytes starting at {@code offset} into {@code dst}.
   *
   * @throws java.io.EOFException if the blob ends before {@code offset + length}
   */
  void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException;

  /** Reads exactly {@code length} bytes starting at {@code offset}. */
  default byte[] read(long offset, int length) throws IOException {
    byte[] out = new byte[length];
    readFully(offset, out, 0, length);
    return out;
  }

  /**
   * Streams {@code [offset, offset + length)}: for ranges too long to hold in memory. The
   * default reads them in 1 MiB pieces; a remote source answers with one request.
   */
  default InputStream openStream(long offset, long length) throws IOException {
    return new RangeSourceStream(this, offset, length);
  }

  /** A short human-readable name for error messages (a path, or a blob digest and image). */
  String describe();

  @Override
  default void close() throws IOException {}
}
