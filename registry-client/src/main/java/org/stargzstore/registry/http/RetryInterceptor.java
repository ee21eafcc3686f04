package org.stargzstore.registry.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.logging.Logger;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.RegistryStats;

/**
 * Sends a request again when it fails before its answer's body is read: a reset or refused
 * connection, a stall, 5xx, 408 or 429. Whether to is decided by the request's {@link Attempts}
 * (tagged by {@link EndpointCaller}, so a retry here uses up the tries of the operation the
 * request belongs to; an untagged request, a ping or a token fetch, gets tries of its own).
 * Only requests that can be replayed are sent again (not PATCH, not one-shot bodies); a
 * cancelled call is not.
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
    Attempts tagged = req.tag(Attempts.class);
    Attempts attempts = tagged != null ? tagged : Attempts.start(policy, stats, Deadline.none());
    while (true) {
      Response resp;
      long sent = System.nanoTime();
      try {
        resp = chain.proceed(req);
      } catch (IOException e) {
        if (chain.call().isCanceled()) {
          throw e;
        }
        int tried = attempts.attempt();
        if (!attempts.retry(e)) {
          throw e;
        }
        if (e instanceof SocketTimeoutException) {
          long waited = System.nanoTime() - sent;
          LOG.warning(() -> "registry " + EndpointCaller.hostPort(req.url())
              + " stalled: no answer to " + Redaction.describe(req) + " after "
              + NetworkErrors.seconds(waited) + "; trying again on a new connection (try "
              + (tried + 1) + " of " + attempts.policy().maxAttempts() + ")");
        }
        continue;
      }
      if (!attempts.retry(resp)) {
        return resp;
      }
      if (chain.call().isCanceled()) {
        throw new InterruptedIOException("canceled");
      }
    }
  }

  static boolean replayable(Request req) {
    String m = req.method();
    if (m.equals("PATCH")) {
      return false;
    }
    return req.body() == null || !req.body().isOneShot();
  }
}
