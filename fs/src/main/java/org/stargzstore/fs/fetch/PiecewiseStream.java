package org.stargzstore.fs.fetch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.PushbackInputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads {@code [start, end)} of a blob as a series of range requests of at most {@code piece}
 * bytes, asking before each one whether it may be sent. A background stream read this way has
 * at most two pieces requested ahead of its reader, so an on-demand request waits behind little
 * however large the compressed chunks of the layer are (and all background streams together
 * no more than their byte budget, which the pacer holds).
 *
 * <p>The next piece is requested as soon as the current one is being read (on {@code ahead}'s
 * threads): asking only once a piece had been read left the stream's connection idle for a
 * round trip per piece, and at the end of a start-up, when one or two long streams are left,
 * the link ran at half its rate (bench/linetrace.py: 40-75 % used in the last 0.4 s on 50
 * Mbit/s + 25 ms, where one round trip carries more than a piece).
 */
final class PiecewiseStream extends InputStream {
  /** Decides when the next piece may be requested, and learns when it is consumed. */
  interface Pacer {
    /** True once a reader waits for these bytes: the rest is then requested at once. */
    boolean urgent();

    /** Called before each request, on the thread that sends it; may block. */
    void beforePiece(long bytes) throws InterruptedException;

    /**
     * Called once for each piece whose {@link #beforePiece} returned, when it is consumed,
     * closed or failed.
     */
    void afterPiece(long bytes);
  }

  /** One requested range: its body and how much of it was read. */
  private static final class Piece {
    final InputStream in;
    final long bytes;
    long read;

    Piece(InputStream in, long bytes) {
      this.in = in;
      this.bytes = bytes;
    }

    long remaining() {
      return bytes - read;
    }
  }

  private final BlobSource blob;
  private final long end;
  private final long piece;
  private final Pacer pacer;
  private final Executor ahead;
  private final AtomicInteger requests = new AtomicInteger();
  private volatile boolean closed;
  /** The first byte not yet requested. */
  private long next;
  private Piece current;
  private CompletableFuture<Piece> following;

  /**
   * @param ahead runs the request of the next piece while the current one is read (null: each
   *     piece is requested once the one before it has been read)
   */
  PiecewiseStream(BlobSource blob, long start, long end, long piece, Pacer pacer,
      Executor ahead) {
    this.blob = blob;
    this.next = start;
    this.end = end;
    this.piece = Math.max(4096, piece);
    this.pacer = pacer;
    this.ahead = ahead;
  }

  /** Range requests made so far. */
  int requests() {
    return requests.get();
  }

  /** The length of the next request from {@link #next}, and books it. */
  private long claimNext() {
    long n = pacer.urgent() ? end - next : Math.min(piece, end - next);
    next += n;
    return n;
  }

  /**
   * Sends the request for {@code [at, at + n)} once the pacer allows it; {@code now}: and waits
   * for its first byte (a blob's stream may send its request only when first read).
   */
  private Piece open(long at, long n, boolean now) throws IOException {
    try {
      pacer.beforePiece(n);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted before requesting bytes " + at);
    }
    if (closed) {
      pacer.afterPiece(n);
      throw new IOException("stream of " + blob.describe() + " closed");
    }
    try {
      InputStream in = blob.openStream(at, n);
      requests.incrementAndGet();
      if (now) {
        in = started(in);
      }
      return new Piece(in, n);
    } catch (IOException | RuntimeException e) {
      pacer.afterPiece(n);
      throw e;
    }
  }

  /** {@code in} with its first byte read (so its request is sent) and pushed back. */
  private static InputStream started(InputStream in) throws IOException {
    PushbackInputStream p = new PushbackInputStream(in, 1);
    try {
      int first = p.read();
      if (first >= 0) {
        p.unread(first);
      }
      return p;
    } catch (IOException | RuntimeException e) {
      p.close();
      throw e;
    }
  }

  /** Requests the next piece in the background, unless it is requested or there is none. */
  private void maybeRequestAhead() {
    if (ahead == null || following != null || next >= end) {
      return;
    }
    long at = next;
    long n = claimNext();
    try {
      following = CompletableFuture.supplyAsync(() -> {
        try {
          return open(at, n, true);
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, ahead);
    } catch (RejectedExecutionException e) {
      next = at; // requested when this piece has been read, as without a look-ahead
    }
  }

  private boolean advance() throws IOException {
    if (current != null) {
      int probe = current.in.read();
      if (probe >= 0) {
        throw new IOException("a piece of " + blob.describe() + " was longer than requested");
      }
      Piece done = current;
      current = null;
      done.in.close();
      pacer.afterPiece(done.bytes);
    }
    if (following != null) {
      CompletableFuture<Piece> f = following;
      following = null;
      current = join(f);
      return true;
    }
    if (next >= end) {
      return false;
    }
    long at = next;
    current = open(at, claimNext(), false);
    return true;
  }

  private static Piece join(CompletableFuture<Piece> f) throws IOException {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
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
    while (current == null || current.remaining() == 0) {
      if (!advance()) {
        return -1;
      }
    }
    int n = current.in.read(b, off, (int) Math.min(len, current.remaining()));
    if (n < 0) {
      throw new EOFException("a piece of " + blob.describe() + " ended " + current.remaining()
          + " bytes short of the " + current.bytes + " requested");
    }
    current.read += n;
    maybeRequestAhead();
    return n;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    CompletableFuture<Piece> f = following;
    following = null;
    if (f != null) {
      f.whenComplete((p, e) -> {
        if (p != null) {
          try {
            p.in.close();
          } catch (IOException ignored) {
            // nothing read from it
          }
          pacer.afterPiece(p.bytes);
        }
      });
    }
    if (current != null) {
      Piece done = current;
      current = null;
      try {
        done.in.close();
      } finally {
        pacer.afterPiece(done.bytes);
      }
    }
  }
}
