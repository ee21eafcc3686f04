package org.stargzstore.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import okhttp3.Response;
import okio.BufferedSource;
import org.stargzstore.registry.errors.Errors;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.http.Attempts;
import org.stargzstore.registry.http.Deadline;
import org.stargzstore.registry.http.EndpointCaller;
import org.stargzstore.registry.http.NetworkErrors;
import org.stargzstore.registry.http.RetryPolicy;
import org.stargzstore.registry.ops.RangeBodies;

/**
 * One blob that its source sent whole (it ignored {@code Range}), streaming into a file on local
 * disk so that every read of the blob is served from that single transfer as its bytes arrive,
 * instead of each read costing the whole blob again. Never held in memory: the pump copies
 * 64 KiB at a time from the response to the file, readers read the file at their offsets.
 *
 * <p>The pump ({@link #pump}) runs on its own thread. A transfer cut off part-way is resumed from
 * the spooled length with a range request (a source that ignores that too is skipped forward to
 * it), under one {@link Attempts}; readers waiting for bytes get an error only when that fails.
 * A failure to write the file (disk full) ends the spool at once with an error naming the file.
 * Readers hold the spool ({@link #acquire}) while they read it, so it is never deleted under
 * them. Thread-safe.
 */
final class BlobSpool {
  private static final Logger LOG = Logger.getLogger(BlobSpool.class.getName());
  private static final int COPY_STEP = 64 << 10;

  /** Opens the blob again from a byte offset, for a resume (a range request, maybe a 200). */
  interface Reopener {
    Response open(long from, Attempts attempts) throws RegistryException;
  }

  /** Writing the spool file failed: not the network's fault, never resumed. */
  private static final class SpoolWriteException extends IOException {
    private static final long serialVersionUID = 1L;

    SpoolWriteException(String message, IOException cause) {
      super(message, cause);
    }
  }

  private final String subject;
  private final Path file;
  private final long size;
  private final FileChannel channel;
  private final RegistryStats stats;
  private long arrived; // guarded by this
  private IOException failure; // guarded by this
  private boolean retired; // guarded by this
  private int readers; // guarded by this
  private long lastUsed = System.nanoTime(); // guarded by this
  /** The response the pump reads now: closed when the spool is retired early (client closed). */
  private volatile Response streaming;

  /**
   * @param subject "blob sha256:… of IMAGE", for messages
   * @param file a new empty file in the spool directory
   */
  BlobSpool(String subject, Path file, long size, RegistryStats stats) throws IOException {
    this.subject = subject;
    this.file = file;
    this.size = size;
    this.stats = stats;
    this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  Path file() {
    return file;
  }

  long size() {
    return size;
  }

  synchronized long arrived() {
    return arrived;
  }

  synchronized boolean complete() {
    return arrived == size && failure == null;
  }

  /** False once the spool failed or expired: reads go to the source again. */
  synchronized boolean live() {
    return !retired;
  }

  synchronized void touch() {
    lastUsed = System.nanoTime();
  }

  /**
   * Holds the spool for a reader (release with {@link #release}): false if it was deleted
   * already (expired, the reader goes to the source).
   *
   * @throws IOException the spool's failure, if it failed
   */
  synchronized boolean acquire() throws IOException {
    throwIfFailed();
    if (retired) {
      return false;
    }
    readers++;
    lastUsed = System.nanoTime();
    return true;
  }

  synchronized void release() {
    readers--;
    lastUsed = System.nanoTime();
    if (retired && readers == 0) {
      delete();
    }
  }

  /**
   * Waits until bytes from {@code offset} on have arrived (at most until {@code deadline}), and
   * returns how many there are from it. The caller holds the spool.
   *
   * @throws IOException the spool's failure, or a deadline error saying how far it got
   */
  synchronized long awaitFrom(long offset, Deadline deadline, String action) throws IOException {
    while (arrived <= offset) {
      throwIfFailed();
      long left = deadline.nanosLeft();
      if (left <= 0) {
        long got = arrived;
        throw new RegistryNetworkException(action + ": deadline exceeded waiting for the"
            + " spooled transfer (" + got + " of " + size + " bytes arrived so far)",
            NetworkErrors.deadlineExceeded());
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.SECONDS.toNanos(1)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(action + ": interrupted waiting for the spool");
      }
    }
    lastUsed = System.nanoTime();
    return arrived - offset;
  }

  /**
   * Reads {@code [offset, offset + length)} once it has arrived, within {@code deadline}.
   *
   * @return false if the spool was deleted before this read could hold it (read the source)
   */
  boolean read(long offset, byte[] dst, int dstOff, int length, Deadline deadline,
      String action) throws IOException {
    if (!acquire()) {
      return false;
    }
    try {
      int done = 0;
      while (done < length) {
        long avail = awaitFrom(offset + done, deadline, action);
        int n = (int) Math.min(avail, length - done);
        copyOut(offset + done, dst, dstOff + done, n);
        done += n;
      }
      return true;
    } finally {
      release();
    }
  }

  /** Copies {@code length} bytes that have arrived at {@code offset} into {@code dst}. */
  void copyOut(long offset, byte[] dst, int dstOff, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(dst, dstOff, length);
    long pos = offset;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new EOFException("reading the spool " + file + " of " + subject + ": ended at "
            + pos);
      }
      pos += n;
    }
  }

  /**
   * Deletes the spool if it is complete, nobody holds it and it has not been used for
   * {@code idleNanos}; true if it did.
   */
  synchronized boolean retireIfIdle(long idleNanos) {
    if (retired || readers > 0 || arrived < size
        || System.nanoTime() - lastUsed < idleNanos) {
      return false;
    }
    retire();
    return true;
  }

  /** Ends the spool (a client closing): deleted once the last reader lets go. */
  synchronized void retire() {
    retired = true;
    notifyAll();
    Response r = streaming;
    if (r != null && arrived < size) {
      EndpointCaller.cancel(r); // the pump's read fails and it ends
    }
    if (readers == 0) {
      delete();
    }
  }

  /**
   * Streams the blob into the file: {@code first} (a 200 with the whole blob) from its start,
   * then, if it is cut off, resumes with {@code reopen} while {@code attempts} allow. Ends with
   * the spool complete, or failed and retired (readers get the error).
   */
  void pump(Response first, Reopener reopen, Attempts attempts) {
    Response r = first;
    streaming = first;
    long progressAtFailure = -1;
    try {
      while (true) {
        long from = arrived();
        try {
          if (r == null) {
            r = reopen.open(from, attempts);
            streaming = r;
            RangeBodies.position(r, from, size, stats, "resuming the spooled transfer of "
                + subject);
          }
          if (!live()) {
            return; // retired while reopening
          }
          copyBody(r.body().source(), from);
          if (arrived() == size) {
            LOG.fine(() -> "spooled all " + size + " bytes of " + subject + " to " + file);
            return;
          }
          throw new EOFException("body ended after " + arrived() + " of " + size + " bytes");
        } catch (SpoolWriteException | RegistryException e) {
          fail(e);
          return;
        } catch (IOException e) {
          if (r != null) {
            r.close();
            r = null;
          }
          if (!live()) {
            return; // retired (the client closed): nothing to resume for
          }
          long now = arrived();
          if (now > progressAtFailure && progressAtFailure >= 0) {
            attempts.restart(); // bytes came since the last failure: a fresh budget of tries
          }
          progressAtFailure = now;
          boolean again = (RetryPolicy.isTransient(e) || e instanceof RegistryProtocolException)
              && attempts.next(e.toString());
          if (!again) {
            fail(new RegistryNetworkException("spooling " + subject + " (the registry ignores"
                + " Range): transfer failed at byte " + now + " of " + size + ": "
                + NetworkErrors.describe(e), e));
            return;
          }
          LOG.info(() -> "spooling " + subject + ": transfer cut off at byte " + now + " of "
              + size + " (" + NetworkErrors.describe(e) + "); resuming");
        }
      }
    } catch (RuntimeException | Error e) {
      fail(new IOException("spooling " + subject + ": " + e, e));
      throw e;
    } catch (InterruptedIOException e) {
      fail(e);
    } finally {
      streaming = null;
      if (r != null) {
        r.close();
      }
    }
  }

  private void copyBody(BufferedSource src, long from) throws IOException {
    byte[] buf = new byte[COPY_STEP];
    long pos = from;
    while (pos < size) {
      int n = src.read(buf, 0, (int) Math.min(buf.length, size - pos));
      if (n < 0) {
        return;
      }
      write(buf, n, pos);
      pos += n;
      stats.onSpooled(n);
      synchronized (this) {
        if (retired) {
          throw new SpoolWriteException("spool of " + subject + " closed", null);
        }
        arrived = pos;
        notifyAll();
      }
    }
  }

  private void write(byte[] buf, int n, long at) throws SpoolWriteException {
    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
    long pos = at;
    try {
      while (b.hasRemaining()) {
        pos += channel.write(b, pos);
      }
    } catch (IOException e) {
      throw new SpoolWriteException("spooling " + subject + ": writing " + file + " failed at"
          + " byte " + at + " (" + e.getMessage() + "; disk full? the spool needs the blob's "
          + size + " bytes free); the spool is removed", e);
    }
  }

  private synchronized void fail(IOException e) {
    if (failure == null && !retired) {
      failure = e;
      LOG.warning(() -> e.getMessage());
    }
    retire();
  }

  private void throwIfFailed() throws IOException {
    IOException f = failure;
    if (f == null) {
      return;
    }
    if (f instanceof RegistryException re) {
      throw Errors.withMessage(re, re.getMessage());
    }
    throw new IOException(f.getMessage(), f);
  }

  private void delete() {
    try {
      channel.close();
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warning(() -> "could not delete the spool " + file + " of " + subject + ": " + e);
    }
  }
}
