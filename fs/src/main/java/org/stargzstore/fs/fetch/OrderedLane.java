package org.stargzstore.fs.fetch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Comparator;
import java.util.TreeSet;

/**
 * Puts the requests that fetch what a starting container will read on the link in the order it
 * will read them: predictions (the entrypoint and the libraries it links) first, then the
 * prioritized files (landmark files, an access profile's files in first-open order), each kind
 * in the order planned. A request goes once the ones before it have at most
 * {@code windowBytes} left to arrive, so the response a container waits for first has the link
 * alone instead of sharing it with everything planned after it, and the next response begins
 * about when the previous one ends (the window is about one bandwidth-delay product). Measured
 * on refgen's Python image: {@code python3.11}'s 2 MB unit shared the link with three
 * prioritized streams and the libraries' predictions, and the container waited 0.9 s for it.
 * A request a reader waits for ({@link FetchJob#urgent}) goes at once; demand requests never
 * pass here. Only the head of a start-up passes the lane (its first {@code headBytes} from the
 * last layer opened on): after it every request goes at once, as before, since one response at
 * a time leaves the link idle while a fresh connection's window grows and while the next
 * libraries are only being found. One lane per daemon: the layers of an image share the link.
 */
final class OrderedLane {
  private static final Comparator<FetchJob> ORDER = Comparator
      .comparingInt((FetchJob j) -> j.reason == FetchReason.PREDICTED ? 0 : 1)
      .thenComparingLong(j -> j.laneSeq);

  private final long windowBytes;
  private final long headBytes;
  private final Runnable onRoom;
  /** Bytes admitted since the last layer opened. Guarded by this. */
  private long admittedSinceStartUp;
  /** Bytes of admitted requests not yet arrived. Guarded by this. */
  private long remaining;
  private long nextSeq;
  private final TreeSet<FetchJob> waiting = new TreeSet<>(ORDER);

  /**
   * @param windowBytes bytes the admitted requests may have left to arrive when the next one
   *     goes; 0 turns the lane off (every request goes at once, as before the lane)
   * @param headBytes how many bytes of a start-up pass the lane (from a layer's opening on)
   * @param onRoom told (without locks held) when a request may go again: the background
   *     scheduler's workers wait for it
   */
  OrderedLane(long windowBytes, long headBytes, Runnable onRoom) {
    this.windowBytes = windowBytes;
    this.headBytes = headBytes;
    this.onRoom = onRoom;
  }

  /** A layer opened: a container is about to start, its head passes the lane again. */
  synchronized void startUp() {
    admittedSinceStartUp = 0;
  }

  /** True once the start-up's head has passed: requests go at once. */
  private synchronized boolean open() {
    return windowBytes <= 0 || admittedSinceStartUp >= headBytes;
  }

  /** True if {@code job} waits its turn here. */
  synchronized boolean governs(FetchJob job) {
    return !open()
        && (job.reason == FetchReason.PREDICTED || job.reason == FetchReason.PRIORITIZED);
  }

  /** Gives {@code job} its place in the order: call when it is planned. */
  synchronized void number(FetchJob job) {
    if (job.laneSeq < 0) {
      job.laneSeq = nextSeq++;
    }
  }

  /**
   * True if a prioritized request planned now would go at once: the background plans its next
   * request only then, so that its chunks are not claimed by a request that waits.
   */
  synchronized boolean roomForPrioritized() {
    return open() || (waiting.isEmpty() && remaining <= windowBytes);
  }

  /**
   * Admits a prioritized {@code job} the background planned after {@link #roomForPrioritized}
   * said yes: it counts at once, so the next worker asking finds the lane as this job leaves it.
   */
  synchronized void admitPlanned(FetchJob job) {
    if (governs(job) && job.laneTicket == null) {
      number(job);
      long bytes = job.end() - job.start();
      remaining += bytes;
      admittedSinceStartUp += bytes;
      job.laneTicket = new Ticket(bytes);
    }
  }

  /** Blocks until {@code job} may be sent; the returned ticket counts its bytes as they come. */
  Ticket enter(FetchJob job) throws InterruptedException {
    long bytes = job.end() - job.start();
    if (!governs(job)) {
      return new Ticket(0);
    }
    if (job.laneTicket != null) {
      return job.laneTicket;
    }
    boolean room;
    synchronized (this) {
      number(job);
      waiting.add(job);
      try {
        while (!job.urgent && !open()
            && !(waiting.first() == job && remaining <= windowBytes)) {
          // a reader marks a job urgent without holding this lock: look again now and then
          wait(20);
        }
      } finally {
        waiting.remove(job);
        notifyAll();
      }
      remaining += bytes;
      admittedSinceStartUp += bytes;
      room = roomForPrioritized();
    }
    if (room) {
      onRoom.run();
    }
    return new Ticket(bytes);
  }

  /** A reader now waits for a job's chunks: a job waiting here looks at once. */
  synchronized void urgencyChanged() {
    notifyAll();
  }

  private void arrived(Ticket t, long bytes) {
    boolean room;
    synchronized (this) {
      long n = Math.min(bytes, t.left);
      if (n <= 0) {
        return;
      }
      boolean before = remaining <= windowBytes;
      t.left -= n;
      remaining -= n;
      room = !before && remaining <= windowBytes;
      if (room) {
        notifyAll();
        room = waiting.isEmpty();
      }
    }
    if (room) {
      onRoom.run();
    }
  }

  /** A request's place in the lane: its bytes still to arrive. */
  final class Ticket implements AutoCloseable {
    private long left;

    private Ticket(long bytes) {
      this.left = bytes;
    }

    /** {@code bytes} of the request arrived (or were skipped). */
    void arrived(long bytes) {
      if (left > 0) {
        OrderedLane.this.arrived(this, bytes);
      }
    }

    /**
     * The response {@code in}, counting its bytes as they arrive: the next request goes while
     * this one's last {@code windowBytes} are still on their way, not after a whole unit.
     */
    InputStream watch(InputStream in) {
      if (left <= 0) {
        return in;
      }
      return new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          if (b >= 0) {
            arrived(1);
          }
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = super.read(b, off, len);
          if (n > 0) {
            arrived(n);
          }
          return n;
        }

        @Override
        public long skip(long n) throws IOException {
          long k = super.skip(n);
          if (k > 0) {
            arrived(k);
          }
          return k;
        }
      };
    }

    /** The request ended (done or failed): what it had left no longer holds anyone back. */
    @Override
    public void close() {
      OrderedLane.this.arrived(this, Long.MAX_VALUE);
    }
  }
}
