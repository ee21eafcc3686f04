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
import java.util.logging.Logger;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.RegistryStats;
import org.stargzstore.registry.errors.RegistryException;

/**
 * Tries a request again, within a {@link RetryPolicy}, when the failure is likely transient:
 * a reset or refused connection, a read timeout, a cut-off response, 5xx (not 501), 408 and 429
 * (waiting as long as {@code Retry-After} says, if that is within the policy). Only requests
 * that can be replayed are retried (not PATCH, not one-shot bodies); a cancelled call or an
 * expired deadline is not retried.
 */
public final class RetryInterceptor implements Interceptor {
  private static final Logger LOG = Logger.getLogger(RetryInterceptor.class.getName());
  private final RetryPolicy policy;
  private final RegistryStats stats;

  public RetryInterceptor(RetryPolicy policy, RegistryStats stats) {
    this.policy = policy;
    this.stats = stats;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request req = chain.request();
    if (!replayable(req)) {
      return chain.proceed(req);
    }
    int attempt = 1;
    while (true) {
      Response resp;
      long sent = System.nanoTime();
      try {
        resp = chain.proceed(req);
      } catch (IOException e) {
        if (attempt >= policy.maxAttempts() || !isTransient(e) || chain.call().isCanceled()) {
          throw e;
        }
        Duration wait = policy.backoff(attempt);
        int n = attempt;
        if (e instanceof SocketTimeoutException) {
          long waited = System.nanoTime() - sent;
          LOG.warning(() -> "registry " + EndpointCaller.hostPort(req.url())
              + " stalled: no answer to " + Redaction.describe(req) + " after "
              + NetworkErrors.seconds(waited) + "; trying again on a new connection (try "
              + (n + 1) + " of " + policy.maxAttempts() + ")");
        }
        LOG.fine(() -> "retrying " + Redaction.describe(req) + " after " + e + " (attempt " + n
            + ", waiting " + wait.toMillis() + " ms)");
        pause(wait);
        stats.onRetry();
        attempt++;
        continue;
      }
      if (!isTransientStatus(resp.code()) || attempt >= policy.maxAttempts()) {
        return resp;
      }
      Duration wait = policy.backoff(attempt);
      if (resp.code() == 429 || resp.code() == 503) {
        Duration asked = retryAfter(resp.header("Retry-After"));
        if (asked != null) {
          if (asked.compareTo(policy.maxRetryAfter()) > 0) {
            return resp; // too long to block a reader: report rate limiting
          }
          wait = asked;
        }
      }
      resp.close();
      Duration w = wait;
      int n = attempt;
      LOG.fine(() -> "retrying " + Redaction.describe(req) + " after HTTP " + resp.code()
          + " (attempt " + n + ", waiting " + w.toMillis() + " ms)");
      pause(wait);
      if (chain.call().isCanceled()) {
        throw new InterruptedIOException("canceled");
      }
      stats.onRetry();
      attempt++;
    }
  }

  static boolean replayable(Request req) {
    String m = req.method();
    if (m.equals("PATCH")) {
      return false;
    }
    return req.body() == null || !req.body().isOneShot();
  }

  /** True for failures that another try may not hit. */
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

  static boolean isTransientStatus(int code) {
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
