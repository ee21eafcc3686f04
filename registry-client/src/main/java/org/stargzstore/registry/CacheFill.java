package org.stargzstore.registry;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.stargzstore.registry.http.Deadline;

/**
 * One blob a mirror (a pull-through cache) is filling: the mirror answered a range request with
 * the whole blob because it does not hold the blob yet, and the answer was closed at once (its
 * cache copy goes on). The blob's readers wait here while one probe at a time asks the mirror for
 * a small range, on a backoff (1 s doubling to 2 s; past the budget, to 30 s), until it answers
 * 206: the blob is cached and ranges can be read from the mirror. Each probe the cache cannot
 * serve yet makes it open one more copy from the origin (abandoned when the probe is closed), so
 * the first waits a second: a blob worth a lazy pull takes longer than that to fill. A reader waits at most
 * until the fill's budget has passed (its size at the configured minimum rate, at least 5 s) and
 * at most half of its own deadline, then reads from the next source; probing goes on for later
 * reads until {@link #PROBE_FOR} has passed or a probe fails. Thread-safe.
 */
final class CacheFill {
  private static final Logger LOG = Logger.getLogger(CacheFill.class.getName());
  static final Duration MIN_BUDGET = Duration.ofSeconds(5);
  static final Duration PROBE_FOR = Duration.ofMinutes(10);
  static final long FIRST_DELAY_MS = 1_000;
  private static final long MAX_DELAY_IN_BUDGET_MS = 2_000;
  private static final long MAX_DELAY_MS = 30_000;

  /** One probe: true if the mirror answered the small range with 206 (a 200 is closed). */
  interface Probe {
    boolean honoursRange() throws Exception;
  }

  private final String what;
  private final Probe probe;
  private final ScheduledExecutorService scheduler;
  private final java.util.function.Consumer<CacheFill> onEnd;
  private final long started = System.nanoTime();
  private final long budgetEnd;
  private final long probeUntil;
  private long delayMs = FIRST_DELAY_MS;
  private int probes;
  private boolean cached;
  private boolean ended;
  private boolean probing;

  /**
   * @param what "blob sha256:… of IMAGE at mirror HOST", for messages
   * @param onEnd given this fill once it has ended (cached, or probing stopped)
   */
  CacheFill(String what, Duration budget, Probe probe, ScheduledExecutorService scheduler,
      java.util.function.Consumer<CacheFill> onEnd) {
    this.what = what;
    this.probe = probe;
    this.scheduler = scheduler;
    this.onEnd = onEnd;
    this.budgetEnd = started + budget.toNanos();
    this.probeUntil = started + Math.max(budget.toNanos(), PROBE_FOR.toNanos());
  }

  /** The time a blob of {@code size} bytes may take to fill at {@code minRate} bytes/s. */
  static Duration budget(long size, long minRate) {
    long ms = size <= 0 ? 0 : (long) Math.ceil(size * 1000.0 / minRate);
    return Duration.ofMillis(Math.max(MIN_BUDGET.toMillis(), ms));
  }

  /** Starts probing; a fill already started ignores it. */
  void start() {
    synchronized (this) {
      if (probing) {
        return;
      }
      probing = true;
    }
    schedule();
  }

  /**
   * Waits until the mirror holds the blob, the fill's budget has passed, or half of what is left
   * of {@code readDeadline} has; true if the mirror holds it (read ranges from it), false if the
   * read should go to the next source.
   */
  synchronized boolean await(Deadline readDeadline) throws InterruptedException {
    long now = System.nanoTime();
    long left = readDeadline.nanosLeft();
    long until = Math.min(budgetEnd, left == Long.MAX_VALUE ? Long.MAX_VALUE : now + left / 2);
    while (!cached && !ended && (now = System.nanoTime()) < until) {
      long ns = until - now;
      wait(ns / 1_000_000, (int) (ns % 1_000_000));
    }
    return cached;
  }

  synchronized boolean ended() {
    return ended;
  }

  private void schedule() {
    long delay;
    synchronized (this) {
      delay = delayMs;
      long cap = System.nanoTime() < budgetEnd ? MAX_DELAY_IN_BUDGET_MS : MAX_DELAY_MS;
      delayMs = Math.min(cap, delayMs * 2);
    }
    try {
      scheduler.schedule(this::probeOnce, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      end(false, "the client is closing");
    }
  }

  private void probeOnce() {
    if (ended()) {
      return;
    }
    boolean honours;
    try {
      synchronized (this) {
        probes++;
      }
      honours = probe.honoursRange();
    } catch (Exception e) {
      end(false, "a probe failed (" + e.getMessage() + ")");
      return;
    }
    if (honours) {
      end(true, null);
    } else if (System.nanoTime() - probeUntil >= 0) {
      end(false, "it still sent the whole blob after " + seconds() + " s");
    } else {
      schedule();
    }
  }

  private void end(boolean isCached, String why) {
    synchronized (this) {
      if (ended || cached) {
        return;
      }
      cached = isCached;
      ended = !isCached;
      notifyAll();
    }
    onEnd.accept(this);
    if (isCached) {
      LOG.info(() -> what + ": the mirror holds it now (it answered a range after "
          + seconds() + " s, " + probes + " probes); reading ranges from it");
    } else {
      LOG.info(() -> what + ": stopped asking whether the mirror holds it: " + why
          + "; the next read asks it again");
    }
  }

  private String seconds() {
    return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9);
  }
}
