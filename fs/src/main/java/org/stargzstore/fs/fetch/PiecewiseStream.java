package org.stargzstore.fs.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * Reads {@code [start, end)} of a blob as a series of range requests of at most {@code piece}
 * bytes, asking before each one whether it may be sent. A background stream read this way never
 * has more than one piece requested, so an on-demand request waits behind at most one piece
 * however large the compressed chunks of the layer are.
 */
final class PiecewiseStream extends InputStream {
  /** Decides when the next piece may be requested, and learns when it is consumed. */
  interface Pacer {
    /** True once a reader waits for these bytes: the rest is then requested at once. */
    boolean urgent();

    void beforePiece(long bytes) throws InterruptedException;

    void afterPiece(long bytes);
  }

  private final BlobSource blob;
  private final long end;
  private final long piece;
  private final Pacer pacer;
  private long next;
  private long currentBytes;
  private InputStream current;
  private int requests;

  PiecewiseStream(BlobSource blob, long start, long end, long piece, Pacer pacer) {
    this.blob = blob;
    this.next = start;
    this.end = end;
    this.piece = Math.max(4096, piece);
    this.pacer = pacer;
  }

  /** Range requests made so far. */
  int requests() {
    return requests;
  }

  private boolean advance() throws IOException {
    if (current != null) {
      int probe = current.read();
      if (probe >= 0) {
        throw new IOException("a piece of " + blob.describe() + " was longer than requested");
      }
      current.close();
      current = null;
      pacer.afterPiece(currentBytes);
    }
    if (next >= end) {
      return false;
    }
    long n = pacer.urgent() ? end - next : Math.min(piece, end - next);
    try {
      pacer.beforePiece(n);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted before requesting bytes " + next);
    }
    currentBytes = n;
    try {
      current = blob.openStream(next, n);
    } catch (IOException | RuntimeException e) {
      pacer.afterPiece(n);
      currentBytes = 0;
      throw e;
    }
    requests++;
    next += n;
    return true;
  }

  @Override
  public int read() throws IOException {
    byte[] b = new byte[1];
    return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (true) {
      if (current == null && !advance()) {
        return -1;
      }
      int n = current.read(b, off, len);
      if (n > 0) {
        return n;
      }
      if (!advance()) {
        return -1;
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (current != null) {
      current.close();
      current = null;
      pacer.afterPiece(currentBytes);
    }
  }
}
