package org.stargzstore.fs.fetch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.types.concurrent.DaemonThreadFactory;
import org.stargzstore.types.io.ByteRange;

/**
 * A layer blob whose first bytes (an optimized layer's prioritized files, which its manifest
 * annotation measures) are asked for in one request at the moment its TOC is, instead of once the
 * TOC has arrived, been parsed and the layer opened: on a link with 50 ms round trips that is a
 * round trip, the TOC's transfer and its parse earlier for exactly the bytes a start-up reads
 * first. The answer streams into a file (never held in memory); reads inside the prefix are served
 * from it as its bytes arrive, and their callers check them against the TOC like any other bytes.
 *
 * <p>The request goes out only when the blob is first read past the prefix (its TOC, at the end):
 * a layer whose TOC and chunks the store already has never sends it. Reads go to the blob as
 * before when the transfer failed (disk full, a cut connection: logged), when it has made no
 * progress for {@link #STALL_NANOS}, or when a read is more than {@code ahead} bytes past what has
 * arrived (waiting would take longer than asking). The file goes once as many bytes have been
 * served from it as it holds (the prioritized files' prefetch has been through it), or when the
 * blob is closed. Thread-safe.
 */
public final class SpooledPrefix implements BlobSource {
  private static final Logger LOG = Logger.getLogger(SpooledPrefix.class.getName());
  private static final int COPY_STEP = 64 << 10;
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Makes the empty file a spool is written to (the store's {@code tmp/}, emptied at start). */
  @FunctionalInterface
  public interface SpoolFiles {
    Path create() throws IOException;
  }

  /** What the store does to each layer blob it opens. */
  @FunctionalInterface
  public interface Wrapper {
    /** Blobs stay as they are. */
    Wrapper NONE = (layer, blob) -> blob;

    BlobSource wrap(LayerDescriptor layer, BlobSource blob);
  }

  /** A read this far past the arrived bytes waits for them (about 1.3 s at 50 Mbit/s). */
  public static final long DEFAULT_AHEAD = 8L << 20;
  private static final ThreadFactory THREADS = DaemonThreadFactory.numbered("prefix-spool");

  private final BlobSource blob;
  private final long length;
  private final long ahead;
  private final SpoolFiles files;
  private final ThreadFactory threads;
  private FileChannel channel; // guarded by this; set when started
  private Path file; // guarded by this
  private boolean started; // guarded by this
  private boolean usable = true; // guarded by this: false once failed or closed
  private boolean closed; // guarded by this
  private long arrived; // guarded by this
  private long progressAt; // guarded by this: System.nanoTime() of the last bytes
  private int readers; // guarded by this: reads copying from the file now
  private long served; // guarded by this: bytes copied out (a byte read twice counts twice)
  private InputStream transfer; // guarded by this: closed to cancel it

  /**
   * @param length bytes from the blob's start to spool (at most the blob's size)
   * @param ahead how far past the arrived bytes a read still waits for them
   * @param files makes the spool file
   * @param threads makes the thread that copies the answer to the file
   */
  public SpooledPrefix(BlobSource blob, long length, long ahead, SpoolFiles files,
      ThreadFactory threads) {
    this.blob = blob;
    this.length = length;
    this.ahead = ahead;
    this.files = files;
    this.threads = threads;
  }

  /**
   * Spools the prefix of each blob whose layer's annotation ({@link
   * LayerDescriptor#PREFETCH_SIZE}) measures one, up to {@code maxBytes} of it; {@link
   * Wrapper#NONE} if {@code maxBytes} is 0.
   */
  public static Wrapper wrapper(long maxBytes, SpoolFiles files) {
    if (maxBytes <= 0) {
      return Wrapper.NONE;
    }
    return (layer, blob) -> {
      long n = layer.prefetchSize().orElse(0);
      return n <= 0 ? blob
          : new SpooledPrefix(blob, Math.min(n, maxBytes), DEFAULT_AHEAD, files, THREADS);
    };
  }

  /** Bytes of the prefix that have arrived (tests, logs). */
  public synchronized long arrived() {
    return arrived;
  }

  /** True once the prefix's request was sent. */
  public synchronized boolean started() {
    return started;
  }

  @Override
  public long size() throws IOException {
    return blob.size();
  }

  @Override
  public String describe() {
    return blob.describe();
  }

  @Override
  public boolean severalRangesPerRequest() {
    return blob.severalRangesPerRequest();
  }

  @Override
  public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
    if (!fromSpool(offset, dst, dstOffset, length)) {
      blob.readFully(offset, dst, dstOffset, length);
    }
  }

  @Override
  public List<byte[]> readRanges(List<ByteRange> ranges) throws IOException {
    List<byte[]> out = new ArrayList<>(ranges.size());
    List<ByteRange> rest = new ArrayList<>();
    for (ByteRange r : ranges) {
      // a buffer only for a range the spool may serve: fromSpool writes no other
      byte[] b = r.end() <= length ? new byte[(int) r.length()] : null;
      if (!fromSpool(r.offset(), b, 0, (int) r.length())) {
        b = null;
        rest.add(r);
      }
      out.add(b);
    }
    if (!rest.isEmpty()) {
      List<byte[]> fetched = blob.readRanges(rest);
      int next = 0;
      for (int i = 0; i < out.size(); i++) {
        if (out.get(i) == null) {
          out.set(i, fetched.get(next++));
        }
      }
    }
    return out;
  }

  @Override
  public InputStream openStream(long offset, long length) throws IOException {
    if (offset >= this.length) {
      start();
      return blob.openStream(offset, length);
    }
    return new PrefixStream(offset, offset + length);
  }

  @Override
  public void close() throws IOException {
    InputStream t;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      usable = false;
      notifyAll();
      t = transfer;
      if (readers == 0) {
        deleteFile();
      }
    }
    if (t != null) {
      closeQuietly(t); // the pump's read fails and it ends
    }
    blob.close();
  }

  /** Sends the prefix's request, once, on a thread of its own. */
  private void start() {
    synchronized (this) {
      if (started || closed) {
        return;
      }
      started = true;
      try {
        file = files.create();
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      } catch (IOException e) {
        LOG.info(() -> "cannot spool the first " + length + " bytes of " + describe() + " ("
            + e.getMessage() + "); they are read as usual");
        usable = false;
        deleteFile();
        return;
      }
      progressAt = System.nanoTime();
    }
    threads.newThread(this::pump).start();
  }

  private void pump() {
    long t0 = System.nanoTime();
    try (InputStream in = blob.openStream(0, length)) {
      synchronized (this) {
        if (closed) {
          return;
        }
        transfer = in;
      }
      byte[] buf = new byte[COPY_STEP];
      long pos = 0;
      while (pos < length) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, length - pos));
        if (n < 0) {
          throw new EOFException("the answer ended after " + pos + " bytes");
        }
        write(buf, n, pos);
        pos += n;
        synchronized (this) {
          if (closed) {
            return;
          }
          arrived = pos;
          progressAt = System.nanoTime();
          notifyAll();
        }
      }
      LOG.fine(() -> "spooled the first " + length + " bytes of " + describe() + " in "
          + (System.nanoTime() - t0) / 1_000_000 + " ms");
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        if (closed) {
          return;
        }
        usable = false;
        notifyAll();
        if (readers == 0) {
          deleteFile();
        }
      }
      long got = arrived();
      LOG.info(() -> "spooling the first " + length + " bytes of " + describe() + " stopped at "
          + got + " (" + e.getMessage() + "); the rest is read as usual");
    } finally {
      synchronized (this) {
        transfer = null;
      }
    }
  }

  private void write(byte[] buf, int n, long at) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
    long pos = at;
    while (b.hasRemaining()) {
      pos += channel.write(b, pos);
    }
  }

  /**
   * Waits until the prefix has bytes at {@code offset} and holds the file for a copy; returns how
   * many bytes from {@code offset} have arrived, or -1 if the read should go to the blob.
   */
  private synchronized long awaitAndHold(long offset) throws IOException {
    if (!started || !usable) {
      return -1;
    }
    long waitingSince = System.nanoTime();
    while (arrived <= offset) {
      if (!usable || offset - arrived > ahead) {
        return -1;
      }
      // progressAt moves with every byte that arrives: no progress since this read began waiting,
      // or since the last bytes, for STALL_NANOS is a stall
      if (System.nanoTime() - Math.max(waitingSince, progressAt) > STALL_NANOS) {
        return -1; // the transfer stalls: ask the blob
      }
      try {
        wait(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("waiting for the spooled prefix of " + describe());
      }
    }
    readers++;
    return arrived - offset;
  }

  private synchronized void letGo(int copied) {
    readers--;
    served += copied;
    if (usable && arrived == length && served >= length) {
      // as many bytes served as the prefix has: its readers (the prioritized files' prefetch)
      // have been through it, and their chunks are in the store; reads after this ask the blob
      usable = false;
      LOG.fine(() -> "the spooled prefix of " + describe() + " has been read; removed");
    }
    if (readers == 0 && !usable) {
      deleteFile();
    }
  }

  /**
   * A read of {@code [offset, offset + len)}: copied from the spool if it lies inside the prefix
   * (waiting for it); a read past the prefix (the TOC's) sends the prefix's request. False: the
   * caller reads the blob.
   */
  private boolean fromSpool(long offset, byte[] dst, int dstOffset, int len) throws IOException {
    if (offset + len <= length) {
      return copy(offset, dst, dstOffset, len);
    }
    if (offset >= length) {
      start();
    }
    return false;
  }

  /** Copies {@code [offset, offset + len)} from the spool, waiting for it; false: read the blob. */
  private boolean copy(long offset, byte[] dst, int dstOffset, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int n = copySome(offset + done, dst, dstOffset + done, len - done);
      if (n < 0) {
        if (done > 0) {
          blob.readFully(offset + done, dst, dstOffset + done, len - done);
        }
        return done > 0;
      }
      done += n;
    }
    return true;
  }

  /** Copies up to {@code max} bytes that have arrived at {@code offset}; -1: read the blob. */
  private int copySome(long offset, byte[] dst, int dstOffset, int max) throws IOException {
    long avail = awaitAndHold(offset);
    if (avail < 0) {
      return -1;
    }
    int n = (int) Math.min(avail, max);
    int copied = 0;
    try {
      ByteBuffer b = ByteBuffer.wrap(dst, dstOffset, n);
      long pos = offset;
      while (b.hasRemaining()) {
        int r = channel.read(b, pos);
        if (r < 0) {
          throw new EOFException("the spool of " + describe() + " ends at " + pos);
        }
        pos += r;
      }
      copied = n;
      return n;
    } finally {
      letGo(copied);
    }
  }

  private void deleteFile() {
    try {
      if (channel != null) {
        channel.close();
      }
      if (file != null) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      LOG.warning(() -> "could not delete the spool " + file + " of " + describe() + ": " + e);
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // cancelling: nothing to report
    }
  }

  /**
   * {@code [pos, end)}: from the spool while it has the bytes, then (past the prefix, or once the
   * spool cannot serve) one stream from the blob for the rest.
   */
  private final class PrefixStream extends InputStream {
    private final long end;
    private long pos;
    private InputStream rest;

    PrefixStream(long pos, long end) {
      this.pos = pos;
      this.end = end;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= end) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int want = (int) Math.min(len, end - pos);
      if (rest == null && pos < length) {
        int n = copySome(pos, b, off, (int) Math.min(want, length - pos));
        if (n > 0) {
          pos += n;
          return n;
        }
      }
      if (rest == null) {
        if (pos >= length) {
          start();
        }
        rest = blob.openStream(pos, end - pos);
      }
      int n = rest.read(b, off, want);
      if (n > 0) {
        pos += n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      if (rest != null) {
        rest.close();
      }
    }
  }
}
