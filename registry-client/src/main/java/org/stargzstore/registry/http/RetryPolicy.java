package org.stargzstore.registry.http;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a failed request is tried again: at most {@code maxAttempts} tries
 * in all, exponential backoff with full jitter between {@code initialBackoff} and
 * {@code maxBackoff}, and a registry's {@code Retry-After} honoured up to {@code maxRetryAfter}
 * (a longer wait is reported as rate limiting instead of blocking the caller).
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
    Duration maxRetryAfter) {

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
    }
  }

  /** Four tries, 200 ms doubling up to 5 s, Retry-After honoured up to 30 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(4, Duration.ofMillis(200), Duration.ofSeconds(5),
        Duration.ofSeconds(30));
  }

  /** The wait before try number {@code attempt + 1} (attempt counts from 1). */
  public Duration backoff(int attempt) {
    long base = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
    long cap = Math.min(Math.max(base, 0), maxBackoff.toMillis());
    if (cap <= 0) {
      return Duration.ZERO;
    }
    // full jitter, but never less than half the nominal wait
    return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
  }
}
