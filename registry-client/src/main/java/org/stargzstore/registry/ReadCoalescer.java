package org.stargzstore.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.types.io.ByteRange;

/**
 * Merges concurrent reads of one blob into fewer, larger requests. Registries pay a fixed cost
 * per request (docker-registry reads at least 4 MiB from storage for every blob GET, however
 * small the range), so many concurrent small reads are slow unless combined.
 *
 * <ul>
 *   <li>A read goes straight out while the blob has fewer than {@code maxInFlight} requests in
 *       flight and no read is queued: a lone reader never waits, and random reads get that many
 *       requests in parallel.
 *   <li>Reads that arrive while the blob has {@code maxInFlight} requests in flight queue up;
 *       when a request finishes, the queue goes out in arrival order, up to {@code
 *       maxBatchBytes} per batch: in a batch, reads at most {@code maxGap} apart are merged into
 *       one range, and several ranges become one multi-range request.
 *   <li>A merged range that continues exactly where the previous request of the blob ended (a
 *       sequential pattern) is requested with up to {@code readAhead} more bytes, and reads
 *       that fall ahead of such a stream's position attach to it instead of starting a request
 *       of their own. A read just past a running stream's end opens the next window at that
 *       end, so the window is requested before the current one runs out. Nothing is cached:
 *       bytes go only to readers already waiting (a stream waits a couple of milliseconds for
 *       readers to claim its next bytes before skipping them), and the stream is abandoned when
 *       nobody has waited for bytes ahead of it for that long.
 * </ul>
 *
 * <p>A stream copies each reader's bytes from the network buffer straight into the reader's
 * array, {@value #STREAM_CHUNK_KIB} KiB per step (buffered {@code NETWORK_STEP} at a time), and
 * releases the reader as soon as its last byte is in. (Handing readers Okio segments to copy on
 * their own threads measured the same in {@code bench/range-throughput.sh}; the step size is
 * what mattered: 64 KiB steps paid the lock hand-offs four times as often, ratio 0.52 to 0.72
 * against 0.71 to 0.86.) A reader whose deadline passes stops waiting and its buffer is never
 * written afterwards.
 */
final class ReadCoalescer {
  private static final int STREAM_CHUNK_KIB = 256;
  private static final int STREAM_CHUNK = STREAM_CHUNK_KIB << 10;
  /**
   * At most this much of a stream step is buffered from the network before it is copied out.
   * Okio keeps 64 KiB of segments per pool bucket: steps that fit let the same segments go
   * round, while buffering a whole 256 KiB step allocated (and collected) most segments afresh.
   * Measured with {@code bench/range-throughput.sh}, variants interleaved in one run: client CPU
   * 0.67-0.70 s/GiB before, 0.49-0.54 after.
   */
  private static final int NETWORK_STEP = 32 << 10;
  /** How long a read-ahead stream with nobody waiting lingers for readers to come back. */
  private static final long ATTACH_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /** A read this far past a running stream's end continues it. */
  private static final long CONTINUATION_SLACK = 8 << 20;

  /** Performs the actual requests. */
  interface Fetcher {
    void fetch(long offset, byte[] dst, int dstOff, int length, Duration timeout)
        throws IOException;

    List<byte[]> fetchRanges(List<ByteRange> ranges, Duration timeout) throws IOException;

    /** One range as a stream (resuming on failures), bounded by {@code timeout} if not null. */
    RangeStream openStream(long offset, long length, Duration timeout) throws IOException;

    /** The blob's size (a stream never reads past it). */
    long size() throws IOException;
  }

  /**
   * A streamed range whose waiting and copying are separate steps, so bytes go from the network
   * buffer straight into a reader's array (one copy) and no lock is held while waiting.
   */
  interface RangeStream extends java.io.Closeable {
    /**
     * Blocks until bytes are buffered (resuming the request if it fails); returns how many can
     * be taken now, at most {@code max}.
     */
    int awaitBuffered(int max) throws IOException;

    /** Copies {@code len} buffered bytes (at most what {@link #awaitBuffered} returned). */
    void take(byte[] dst, int off, int len) throws IOException;

    /** Drops {@code len} buffered bytes. */
    void drop(int len) throws IOException;
  }

  /**
   * Tuning: at most {@code maxInFlight} requests per blob; queued reads are merged into requests
   * of up to {@code maxBatchBytes}, bridging gaps of up to {@code maxGap} bytes; a sequential
   * request reads up to {@code readAhead} bytes further for readers that may attach.
   */
  record Limits(int maxInFlight, long maxBatchBytes, int maxGap, long readAhead) {
    Limits {
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be at least 1");
      }
    }
  }

  private static final class Pending {
    final long offset;
    final int length;
    final byte[] dst;
    final int dstOff;
    final long deadline; // System.nanoTime(), 0 for none
    final CompletableFuture<Void> done = new CompletableFuture<>();
    boolean abandoned; // guarded by this

    Pending(long offset, int length, byte[] dst, int dstOff, long deadline) {
      this.offset = offset;
      this.length = length;
      this.dst = dst;
      this.dstOff = dstOff;
      this.deadline = deadline;
    }

    long end() {
      return offset + length;
    }
  }

  /** A streaming request readers may attach to. Guarded by the coalescer. */
  private static final class Stream {
    final long start;
    final long end;
    final boolean extended;
    long pos;
    /** Bytes before this are being skipped by the pump: a reader of them must go elsewhere. */
    long skipping;
    final List<Pending> attached = new ArrayList<>(); // sorted by offset, non-overlapping
    boolean closed;
    /**
     * Nobody claimed the bytes at {@code pos} within the grace period, but a reader waits further
     * on: the bytes up to it are skipped without waiting again (their readers went elsewhere;
     * waiting per skipped step cost 2 ms per 256 KiB, 64 ms for an 8 MiB gap).
     */
    boolean gapUnclaimed;

    Stream(long start, long end, boolean extended) {
      this.start = start;
      this.pos = start;
      this.end = end;
      this.extended = extended;
    }

    /** Whether {@code p} can be served by this stream without overlapping another reader. */
    boolean accepts(Pending p) {
      if (closed || p.offset < Math.max(pos, skipping) || p.end() > end) {
        return false;
      }
      for (Pending q : attached) {
        if (p.offset < q.end() && q.offset < p.end()) {
          return false;
        }
      }
      return true;
    }

    void attach(Pending p) {
      int i = 0;
      while (i < attached.size() && attached.get(i).offset < p.offset) {
        i++;
      }
      attached.add(i, p);
    }
  }

  private final Fetcher fetcher;
  private final Limits limits;
  private final Executor executor;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final List<Stream> streams = new ArrayList<>();
  private long queuedBytes; // reads waiting in the queue, in bytes
  private int inFlight;
  /** Where the last request of this blob ended: a request starting there is sequential. */
  private long lastEnd = -1;
  /**
   * Where the direct requests in flight end: a read starting there is sequential too (readers
   * that start together, or a kernel read-ahead, ask for consecutive ranges at once).
   */
  private final List<Long> directEnds = new ArrayList<>();
  /** Times a stream waited the whole grace period for a claim (each stalls the stream). */
  private long graceExpiries;

  ReadCoalescer(Fetcher fetcher, Limits limits, Executor executor) {
    this.fetcher = fetcher;
    this.limits = limits;
    this.executor = executor;
  }

  void read(long offset, byte[] dst, int dstOff, int length, Duration timeout)
      throws IOException {
    long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
    long size = fetcher.size();
    Pending me = new Pending(offset, length, dst, dstOff, deadline);
    boolean direct = false;
    Stream pump = null;
    List<List<Pending>> toStart = List.of();
    synchronized (this) {
      Stream s = streamFor(me);
      if (s != null) {
        s.attach(me);
        notifyAll();
      } else if (inFlight < limits.maxInFlight() && queue.isEmpty()) {
        inFlight++;
        long from = continuationStart(offset);
        if (from >= 0) {
          // a read-ahead stream, pumped by a batch thread: this reader only waits for its own
          // bytes, and later sequential readers attach
          pump = register(from, Math.min(size, Math.max(me.end(), from + limits.readAhead())),
              List.of(me), true);
        } else {
          direct = true;
          directEnds.add(offset + length);
        }
      } else {
        queue.add(me);
        queuedBytes += length;
        toStart = takeStartable();
      }
    }
    if (pump != null) {
      startStream(pump, null);
    }
    for (List<Pending> b : toStart) {
      start(b);
    }
    if (direct) {
      try {
        fetcher.fetch(offset, dst, dstOff, length, timeout);
      } finally {
        synchronized (this) {
          lastEnd = offset + length;
          directEnds.remove(offset + length);
        }
        release();
      }
      return;
    }
    await(me, timeout);
  }

  /**
   * Where a sequential stream for a read at {@code offset} should start, or -1 if the read is
   * not sequential: at the offset if it continues the last request or a direct one in flight,
   * at a running stream's end if it lies just past it (readers of the bytes in between are about
   * to come). Holding the lock.
   */
  private long continuationStart(long offset) {
    if (limits.readAhead() <= 0) {
      return -1;
    }
    if (offset == lastEnd || directEnds.contains(offset)) {
      return offset;
    }
    for (Stream s : streams) {
      if (!s.closed && s.end <= offset && offset - s.end <= CONTINUATION_SLACK) {
        boolean taken = false;
        for (Stream t : streams) {
          taken |= t != s && !t.closed && t.start <= s.end && s.end < t.end;
        }
        if (!taken) {
          return s.end;
        }
      }
    }
    return -1;
  }

  /** Creates and registers a stream with its first readers. Holding the lock. */
  private Stream register(long start, long end, List<Pending> readers, boolean extended) {
    Stream s = new Stream(start, end, extended);
    for (Pending p : readers) {
      s.attach(p);
    }
    streams.add(s);
    return s;
  }

  private Stream streamFor(Pending p) {
    for (Stream s : streams) {
      if (s.accepts(p)) {
        return s;
      }
    }
    return null;
  }

  private void await(Pending me, Duration timeout) throws IOException {
    try {
      if (timeout == null) {
        me.done.get();
      } else {
        me.done.get(Math.max(0, me.deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(c);
    } catch (TimeoutException e) {
      abandon(me);
      throw new RegistryNetworkException("read of " + me.length + " bytes at " + me.offset
          + ": deadline exceeded while queued behind other reads of the blob");
    } catch (InterruptedException e) {
      abandon(me);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a read");
    }
  }

  private void abandon(Pending p) {
    synchronized (this) {
      if (queue.remove(p)) {
        queuedBytes -= p.length;
      }
      for (Stream s : streams) {
        s.attached.remove(p);
      }
    }
    synchronized (p) {
      p.abandoned = true;
    }
  }

  /** How often a stream waited out the grace period (a stall of its own), for tests. */
  synchronized long graceExpiries() {
    return graceExpiries;
  }

  /** A direct request finished: start whatever may start now. */
  private void release() {
    List<List<Pending>> toStart;
    synchronized (this) {
      inFlight--;
      toStart = takeStartable();
    }
    for (List<Pending> b : toStart) {
      start(b);
    }
  }

  /** Batches that may start now, their slots taken. */
  private List<List<Pending>> takeStartable() {
    List<List<Pending>> out = new ArrayList<>();
    while (!queue.isEmpty() && inFlight < limits.maxInFlight()) {
      out.add(takeBatch());
      inFlight++;
    }
    return out;
  }

  /** Everything queued, in arrival order, up to the byte limit (at least one read). */
  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    long bytes = 0;
    while (!queue.isEmpty()) {
      Pending p = queue.peek();
      if (!batch.isEmpty() && bytes + p.length > limits.maxBatchBytes()) {
        break;
      }
      queue.poll();
      queuedBytes -= p.length;
      batch.add(p);
      bytes += p.length;
    }
    return batch;
  }

  private void start(List<Pending> batch) {
    try {
      executor.execute(() -> runBatches(batch));
    } catch (RuntimeException e) {
      for (Pending p : batch) {
        p.done.completeExceptionally(new IOException("cannot schedule a read", e));
      }
      release();
    }
  }

  /** Runs a batch, then (on the same thread, saving a hand-off) the next one that may start. */
  private void runBatches(List<Pending> first) {
    List<Pending> batch = first;
    while (batch != null) {
      runBatch(batch);
      List<List<Pending>> toStart;
      synchronized (this) {
        inFlight--;
        toStart = takeStartable();
      }
      batch = toStart.isEmpty() ? null : toStart.get(0);
      for (int i = 1; i < toStart.size(); i++) {
        start(toStart.get(i));
      }
    }
  }

  private void runBatch(List<Pending> batch) {
    try {
      List<Pending> sorted = new ArrayList<>(batch);
      sorted.sort(Comparator.comparingLong(p -> p.offset));
      List<long[]> spans = new ArrayList<>(); // [start, end)
      boolean overlapping = false;
      for (Pending p : sorted) {
        long[] last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
        if (last != null && p.offset < last[1]) {
          overlapping = true;
        }
        if (last != null && p.offset <= last[1] + limits.maxGap()) {
          last[1] = Math.max(last[1], p.end());
        } else {
          spans.add(new long[] {p.offset, p.end()});
        }
      }
      if (spans.size() == 1 && !overlapping) {
        long size = fetcher.size();
        Stream st;
        synchronized (this) {
          long from = continuationStart(spans.get(0)[0]);
          boolean extended = from >= 0 && from <= spans.get(0)[0];
          long start = extended ? from : spans.get(0)[0];
          long end = extended
              ? Math.min(size, Math.max(spans.get(0)[1], start + limits.readAhead()))
              : spans.get(0)[1];
          st = register(start, end, sorted, extended);
        }
        pump(st, st.extended ? null : batchTimeout(batch));
        return;
      }
      if (spans.size() == 1) {
        streamOverlapping(spans.get(0), sorted, batchTimeout(batch));
        return;
      }
      List<ByteRange> ranges = new ArrayList<>();
      for (long[] sp : spans) {
        ranges.add(new ByteRange(sp[0], Math.toIntExact(sp[1] - sp[0])));
      }
      List<byte[]> data = fetcher.fetchRanges(ranges, batchTimeout(batch));
      for (Pending p : batch) {
        int i = 0;
        while (!(spans.get(i)[0] <= p.offset && p.end() <= spans.get(i)[1])) {
          i++;
        }
        synchronized (p) {
          if (!p.abandoned) {
            System.arraycopy(data.get(i), (int) (p.offset - spans.get(i)[0]), p.dst, p.dstOff,
                p.length);
          }
        }
        p.done.complete(null);
      }
      synchronized (this) {
        lastEnd = spans.get(spans.size() - 1)[1];
      }
    } catch (IOException | RuntimeException e) {
      for (Pending p : batch) {
        p.done.completeExceptionally(e);
      }
    }
  }

  /** Pumps a registered stream on a batch thread, then runs whatever may start next. */
  private void startStream(Stream st, Duration timeout) {
    try {
      executor.execute(() -> {
        try {
          pump(st, timeout);
        } catch (IOException | RuntimeException e) {
          // its readers have been failed by pump
        }
        List<List<Pending>> toStart;
        synchronized (this) {
          inFlight--;
          toStart = takeStartable();
        }
        for (List<Pending> b : toStart) {
          start(b);
        }
      });
    } catch (RuntimeException e) {
      fail(st, new IOException("cannot schedule a read", e));
      release();
    }
  }

  /**
   * Streams a registered stream's range into its readers' buffers, releasing each as soon as
   * its bytes are in; readers may attach while it runs. A read-ahead stream gives readers a
   * moment to claim the next bytes before skipping them, and stops when nobody has waited for
   * bytes ahead of it for that moment (the rest of the response is cut off).
   */
  private void pump(Stream s, Duration timeout) throws IOException {
    try (RangeStream in = fetcher.openStream(s.start, s.end - s.start, timeout)) {
      while (true) {
        Pending p;
        long pos;
        long skipTo;
        synchronized (this) {
          if (s.extended && s.pos < s.end && !s.gapUnclaimed
              && (s.attached.isEmpty() || s.attached.get(0).offset > s.pos)) {
            s.gapUnclaimed = !waitForClaim(s);
          }
          p = s.attached.isEmpty() ? null : s.attached.get(0);
          if (p == null || s.pos >= s.end) {
            s.closed = true;
            streams.remove(s);
            lastEnd = s.pos;
            return;
          }
          pos = s.pos;
          skipTo = pos < p.offset ? pos + Math.min(STREAM_CHUNK, p.offset - pos) : pos;
          // no reader may attach inside the bytes about to be dropped
          s.skipping = skipTo;
        }
        if (pos < p.offset) {
          int n = in.awaitBuffered((int) Math.min(NETWORK_STEP, skipTo - pos));
          in.drop(n);
          synchronized (this) {
            s.pos += n;
            s.skipping = s.pos;
          }
          continue;
        }
        int n = transfer(in, p, pos, (int) Math.min(STREAM_CHUNK, p.end() - pos));
        boolean complete;
        synchronized (this) {
          s.gapUnclaimed = false;
          s.pos += n;
          complete = s.pos == p.end();
          if (complete) {
            s.attached.remove(p);
          }
        }
        if (complete) {
          p.done.complete(null);
        }
      }
    } catch (IOException | RuntimeException e) {
      fail(s, e);
      throw e;
    }
  }

  /**
   * Copies {@code length} bytes at {@code pos} from the stream into {@code p}'s array (or drops
   * them if {@code p} was abandoned), buffering at most {@link #NETWORK_STEP} at a time; returns
   * {@code length}.
   */
  private static int transfer(RangeStream in, Pending p, long pos, int length)
      throws IOException {
    int done = 0;
    while (done < length) {
      int n = in.awaitBuffered(Math.min(NETWORK_STEP, length - done));
      synchronized (p) {
        if (p.abandoned) {
          in.drop(n);
        } else {
          in.take(p.dst, p.dstOff + (int) (pos + done - p.offset), n);
        }
      }
      done += n;
    }
    return done;
  }

  private void fail(Stream s, Exception e) {
    List<Pending> left;
    synchronized (this) {
      s.closed = true;
      streams.remove(s);
      left = new ArrayList<>(s.attached);
      s.attached.clear();
    }
    for (Pending p : left) {
      p.done.completeExceptionally(e);
    }
  }

  /**
   * Gives readers a moment to claim the stream's next bytes (readers just served come back for
   * more, readers of a continuation arrive in any order) before they are skipped or the stream
   * is abandoned; true if they were claimed. Holding the lock.
   */
  private boolean waitForClaim(Stream s) {
    long until = System.nanoTime() + ATTACH_GRACE_NANOS;
    try {
      while (s.attached.isEmpty() || s.attached.get(0).offset > s.pos) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          graceExpiries++;
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** For batches where two readers want some of the same bytes: through a bounce buffer. */
  private void streamOverlapping(long[] span, List<Pending> sorted, Duration timeout)
      throws IOException {
    byte[] chunk = new byte[NETWORK_STEP];
    boolean[] finished = new boolean[sorted.size()];
    long pos = span[0];
    try (RangeStream in = fetcher.openStream(span[0], span[1] - span[0], timeout)) {
      while (pos < span[1]) {
        int n = in.awaitBuffered((int) Math.min(NETWORK_STEP, span[1] - pos));
        in.take(chunk, 0, n);
        long end = pos + n;
        for (int i = 0; i < sorted.size(); i++) {
          Pending p = sorted.get(i);
          if (finished[i] || p.offset >= end || p.end() <= pos) {
            continue;
          }
          long from = Math.max(pos, p.offset);
          long to = Math.min(end, p.end());
          synchronized (p) {
            if (!p.abandoned) {
              System.arraycopy(chunk, (int) (from - pos), p.dst,
                  p.dstOff + (int) (from - p.offset), (int) (to - from));
            }
          }
          if (p.end() <= end) {
            finished[i] = true;
            p.done.complete(null);
          }
        }
        pos = end;
      }
    }
    synchronized (this) {
      lastEnd = span[1];
    }
  }

  /** The latest deadline of the batch's readers (none if one of them has none). */
  private static Duration batchTimeout(List<Pending> batch) {
    long latest = 0;
    for (Pending p : batch) {
      if (p.deadline == 0) {
        return null;
      }
      latest = Math.max(latest, p.deadline);
    }
    return Duration.ofNanos(Math.max(1, latest - System.nanoTime()));
  }
}
