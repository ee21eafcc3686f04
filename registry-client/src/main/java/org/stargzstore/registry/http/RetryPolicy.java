package org.stargzstore.registry.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.stargzstore.registry.errors.RegistryException;

/**
 * How often and how patiently a failed operation is tried again, and which failures are worth
 * it: at most {@code maxAttempts} tries in all, exponential backoff with full jitter between
 * {@code initialBackoff} and {@code maxBackoff}, and a registry's {@code Retry-After} honoured
 * up to {@code maxRetryAfter} (a longer wait is reported as rate limiting instead of blocking
 * the caller). The tries themselves are counted by {@link Attempts}, one per operation.
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

  /**
   * True for transport failures that another try may not hit: a reset or refused connection, a
   * read timeout, a cut-off response. Not: a typed registry error, an unknown host, a TLS
   * failure other than a reset, a cancelled call or an expired deadline.
   */
  public static boolean isTransient(IOException e) {
    if (e instanceof RegistryException) {
      return false;
    }
    if (e instanceof UnknownHostException || e instanceof NoRouteToHostException) {
      return false;
    }
    if (e instanceof SSLPeerUnverifiedException || e instanceof SSLHandshakeException) {
      return false;
    }
    if (e instanceof SocketTimeoutException || e instanceof ConnectException
        || e instanceof SocketException) {
      return true;
    }
    if (e instanceof InterruptedIOException) {
      return false; // the call's deadline or a cancellation
    }
    if (e instanceof SSLException) {
      return e.getMessage() != null && e.getMessage().toLowerCase().contains("reset");
    }
    return true; // EOF, ProtocolException ("unexpected end of stream"), StreamResetException
  }

  /**
   * True for failures that say a source is down or hung rather than flaky: a refused
   * connection, or nothing within the connect or the idle read timeout (a stall). When another
   * source is left (a mirror before the registry), such a failure moves the read on to it at
   * once instead of being {@linkplain #isTransient retried} here: a refused connection seldom
   * heals within a backoff, and each retry of a hung source costs another whole timeout, so
   * four tries would spend half of the daemon's read timeout (four times an eighth) before the
   * next source is asked. At the last source they are retried as any transient failure.
   */
  public static boolean leavesSource(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException || t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** True for answers another try may not get: 408, 429, 500, 502, 503, 504 (not 501). */
  public static boolean isTransientStatus(int code) {
    return code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
  }

  /** Parses {@code Retry-After}: seconds or an HTTP date; null if absent or unreadable. */
  public static Duration retryAfter(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      long s = Long.parseLong(v);
      return s < 0 ? null : Duration.ofSeconds(s);
    } catch (NumberFormatException e) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration d = Duration.between(Instant.now(), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }
}
