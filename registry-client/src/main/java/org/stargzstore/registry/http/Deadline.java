package org.stargzstore.registry.http;

import java.time.Duration;
import org.stargzstore.registry.errors.RegistryNetworkException;

/**
 * The moment an operation must be done by, fixed when the operation starts, so that its
 * requests, retries, resumes and body reads all share what the caller was promised (a
 * {@code timeout} measured from each request would add up).
 */
public final class Deadline {
  private static final Deadline NONE = new Deadline(0);
  private final long at; // System.nanoTime(), 0 for none

  private Deadline(long at) {
    this.at = at;
  }

  /** {@code timeout} from now; null means none. */
  public static Deadline in(Duration timeout) {
    return timeout == null ? NONE : new Deadline(System.nanoTime() + timeout.toNanos());
  }

  public static Deadline none() {
    return NONE;
  }

  public boolean isNone() {
    return at == 0;
  }

  /** Nanoseconds left (may be negative); {@code Long.MAX_VALUE} without a deadline. */
  public long nanosLeft() {
    return at == 0 ? Long.MAX_VALUE : at - System.nanoTime();
  }

  /**
   * What is left of it, null if there is none.
   *
   * @throws RegistryNetworkException "ACTION: deadline exceeded" if it has passed (a stall, see
   *     {@link NetworkErrors#isStall})
   */
  public Duration remaining(String action) throws RegistryNetworkException {
    if (at == 0) {
      return null;
    }
    long left = at - System.nanoTime();
    if (left <= 0) {
      throw new RegistryNetworkException(action + ": deadline exceeded",
          NetworkErrors.deadlineExceeded());
    }
    return Duration.ofNanos(left);
  }
}
