package org.stargzstore.registry.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.logging.Logger;
import okhttp3.Response;
import org.stargzstore.registry.RegistryStats;

/**
 * The tries of one operation (a manifest GET, a range read with its resumes, a blob push with
 * its restarts), under one {@link RetryPolicy} and one {@link Deadline}: the only place that
 * decides whether to try again, waits the backoff and counts the retry. Every layer that may
 * try again (the {@link RetryInterceptor} for a request, {@link EndpointCaller} for a body,
 * {@code RegistryBlob} for a resume, {@code BlobPush} for a restart) asks the same object, so
 * retries never multiply: an operation makes at most {@code maxAttempts} tries per location.
 * Not thread-safe: one operation runs on one thread at a time.
 */
public final class Attempts {
  private static final Logger LOG = Logger.getLogger(Attempts.class.getName());

  private final RetryPolicy policy;
  private final RegistryStats stats;
  private final Deadline deadline;
  /** Shared by the views {@link #withTimeout} makes: the try under way, from 1. */
  private final int[] attempt;
  /** Shared likewise: whether the source being tried has another source after it. */
  private final boolean[] otherSourceLeft;

  private Attempts(RetryPolicy policy, RegistryStats stats, Deadline deadline, int[] attempt,
      boolean[] otherSourceLeft) {
    this.policy = policy;
    this.stats = stats;
    this.deadline = deadline;
    this.attempt = attempt;
    this.otherSourceLeft = otherSourceLeft;
  }

  /** The first try of an operation that must end within {@code deadline}. */
  public static Attempts start(RetryPolicy policy, RegistryStats stats, Deadline deadline) {
    return new Attempts(policy, stats, deadline, new int[] {1}, new boolean[1]);
  }

  /**
   * The same tries (one count) with a deadline of its own for one step: a push's steps each get
   * the call timeout, but share one budget of tries.
   */
  public Attempts withTimeout(Duration timeout) {
    return new Attempts(policy, stats, Deadline.in(timeout), attempt, otherSourceLeft);
  }

  public Deadline deadline() {
    return deadline;
  }

  public RetryPolicy policy() {
    return policy;
  }

  /** The number of the try under way (1 for the first). */
  public int attempt() {
    return attempt[0];
  }

  /** A fresh budget of tries, same deadline: after failing over to another location. */
  public void restart() {
    attempt[0] = 1;
  }

  /**
   * Tells these tries whether the source they run at has another source after it (a mirror
   * before the registry): set by the failover before each source is tried.
   */
  public void otherSourceLeft(boolean left) {
    otherSourceLeft[0] = left;
  }

  /**
   * True if {@code e} should end the tries at this source at once because another source is
   * left and {@code e} says this one is {@linkplain RetryPolicy#leavesSource down or hung}.
   */
  public boolean movesOn(IOException e) {
    return otherSourceLeft[0] && RetryPolicy.leavesSource(e);
  }

  /**
   * After {@code e} ended a try: true, once the backoff has passed, if another try may follow
   * ({@code e} is {@linkplain RetryPolicy#isTransient transient}, tries and time are left, and
   * it does not {@linkplain #movesOn move on} to another source).
   */
  public boolean retry(IOException e) throws InterruptedIOException {
    if (movesOn(e)) {
      LOG.fine(() -> "not trying this source again after " + e + ": another source is left");
      return false;
    }
    return RetryPolicy.isTransient(e) && next(policy.backoff(attempt[0]), e.toString());
  }

  /**
   * After an answer {@code resp}: true, once the wait has passed, if another try may follow
   * (a {@linkplain RetryPolicy#isTransientStatus transient status}, tries and time left, and a
   * {@code Retry-After}, if any, within {@link RetryPolicy#maxRetryAfter}); {@code resp} is then
   * closed. False leaves {@code resp} for the caller to report.
   */
  public boolean retry(Response resp) throws InterruptedIOException {
    int code = resp.code();
    if (!RetryPolicy.isTransientStatus(code) || attempt[0] >= policy.maxAttempts()) {
      return false;
    }
    Duration wait = policy.backoff(attempt[0]);
    if (code == 429 || code == 503) {
      Duration asked = RetryPolicy.retryAfter(resp.header("Retry-After"));
      if (asked != null) {
        if (asked.compareTo(policy.maxRetryAfter()) > 0) {
          return false; // too long to block a reader: report rate limiting
        }
        wait = asked;
      }
    }
    if (wait.toNanos() >= deadline.nanosLeft()) {
      return false;
    }
    resp.close();
    return next(wait, "HTTP " + code);
  }

  /**
   * After a failure the caller judged worth another try (a resume after a wrong
   * {@code Content-Range}, a push restart): true, once the backoff has passed, if tries and
   * time are left.
   */
  public boolean next(String why) throws InterruptedIOException {
    return next(policy.backoff(attempt[0]), why);
  }

  private boolean next(Duration wait, String why) throws InterruptedIOException {
    if (attempt[0] >= policy.maxAttempts() || wait.toNanos() >= deadline.nanosLeft()) {
      return false; // no try left, or none that could end in time
    }
    int n = attempt[0];
    LOG.fine(() -> "trying again after " + why + " (attempt " + n + " of "
        + policy.maxAttempts() + ", waiting " + wait.toMillis() + " ms)");
    pause(wait);
    stats.onRetry();
    attempt[0]++;
    return true;
  }

  private static void pause(Duration d) throws InterruptedIOException {
    if (d.isZero() || d.isNegative()) {
      return;
    }
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry");
    }
  }
}
