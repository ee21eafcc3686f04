package org.stargzstore.registry.http;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.auth.AuthChallenge;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryNetworkException;

/**
 * One registry endpoint ({@code host[:port]}) as this client talks to it: its HTTP client (TLS
 * from certs.d, the interceptor chain), the scheme found by pinging {@code /v2/} once (HTTPS;
 * plain HTTP only if registries.conf marks the host insecure and HTTPS fails), and the last
 * authentication challenges it sent.
 */
public final class RegistryHost {
  private static final Logger LOG = Logger.getLogger(RegistryHost.class.getName());

  private final String hostPort;
  private final boolean insecure;
  private final OkHttpClient client;
  private volatile HttpUrl base;
  private volatile List<AuthChallenge> challenges = List.of();

  RegistryHost(String hostPort, boolean insecure, OkHttpClient client) {
    this.hostPort = hostPort;
    this.insecure = insecure;
    this.client = client;
  }

  public String hostPort() {
    return hostPort;
  }

  public boolean insecure() {
    return insecure;
  }

  public OkHttpClient client() {
    return client;
  }

  /** The challenges the registry sent last (empty: none seen, or no auth needed). */
  public List<AuthChallenge> challenges() {
    return challenges;
  }

  void challenges(List<AuthChallenge> c) {
    challenges = List.copyOf(c);
  }

  /**
   * As {@link #base()}; a ping this call makes gives up when {@code timeout} (null: none) has
   * passed, so a registry that stalls at first contact holds no read past its deadline.
   */
  public HttpUrl base(Duration timeout) throws RegistryException {
    HttpUrl b = base;
    if (b != null) {
      return b;
    }
    synchronized (this) {
      if (base == null) {
        base = ping(timeout);
      }
      return base;
    }
  }

  private HttpUrl ping(Duration timeout) throws RegistryException {
    HttpUrl https = HttpUrl.get("https://" + hostPort + "/");
    if (!insecure) {
      Ping tls = new Ping(https, timeout);
      tls.settle();
      if (tls.answered()) {
        return accept(tls, https);
      }
      throw new RegistryNetworkException("pinging registry " + hostPort + " over HTTPS: "
          + NetworkErrors.describe(tls.failure()), tls.failure());
    }
    return raceSchemes(https, HttpUrl.get("http://" + hostPort + "/"), timeout);
  }

  /**
   * An insecure host is asked over HTTPS and plain HTTP at once: HTTPS wins if it answers at
   * all; plain HTTP wins as soon as it answers as a registry does (200 or 401), since a port
   * that speaks plain HTTP does not also speak TLS. Asking one after the other cost the first
   * pull of a fresh daemon 130 ms for the failing TLS handshake, through a 50 ms round trip,
   * before the plain ping even started.
   */
  private HttpUrl raceSchemes(HttpUrl https, HttpUrl http, Duration timeout)
      throws RegistryException {
    long t0 = System.nanoTime();
    Ping tls = new Ping(https, timeout);
    Ping plain = new Ping(http, timeout);
    try {
      java.util.concurrent.CompletableFuture.anyOf(tls.done, plain.done)
          .handle((r, e) -> null).join();
      if (plain.isRegistryAnswer() && !tls.answered()) {
        tls.call.cancel();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.fine(() -> "registry " + hostPort + " is insecure and answers plain HTTP (in " + ms
            + " ms)");
        return accept(plain, http);
      }
      tls.settle();
      if (tls.answered()) {
        plain.call.cancel();
        return accept(tls, https);
      }
      plain.settle();
      if (plain.answered()) {
        LOG.fine(() -> "registry " + hostPort + " is insecure and answers plain HTTP (HTTPS: "
            + NetworkErrors.describe(tls.failure()) + ")");
        return accept(plain, http);
      }
      RegistryNetworkException ex = new RegistryNetworkException("pinging registry " + hostPort
          + " over HTTPS (" + NetworkErrors.describe(tls.failure()) + ") and plain HTTP: "
          + NetworkErrors.describe(plain.failure()), plain.failure());
      ex.addSuppressed(tls.failure());
      throw ex;
    } finally {
      tls.call.cancel();
      plain.call.cancel();
    }
  }

  private HttpUrl accept(Ping p, HttpUrl base) {
    int code = p.done.join();
    if (code == 401) {
      challenges(p.challenges);
    }
    return base;
  }

  /** One asynchronous {@code GET /v2/}: its status code, or the failure. */
  private final class Ping implements okhttp3.Callback {
    final okhttp3.Call call;
    final java.util.concurrent.CompletableFuture<Integer> done =
        new java.util.concurrent.CompletableFuture<>();
    volatile List<AuthChallenge> challenges = List.of();

    Ping(HttpUrl base, Duration timeout) {
      call = client.newCall(new Request.Builder().url(base.resolve("/v2/")).get().build());
      if (timeout != null) {
        call.timeout().timeout(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
      }
      call.enqueue(this);
    }

    @Override
    public void onResponse(okhttp3.Call c, Response r) {
      try (r) {
        if (r.code() == 401) {
          challenges = AuthChallenge.of(r);
        }
        done.complete(r.code());
      }
    }

    @Override
    public void onFailure(okhttp3.Call c, IOException e) {
      done.completeExceptionally(e);
    }

    /** Waits until the ping has an answer or has failed. */
    void settle() {
      done.handle((r, e) -> null).join();
    }

    boolean answered() {
      return done.isDone() && !done.isCompletedExceptionally();
    }

    boolean isRegistryAnswer() {
      if (!answered()) {
        return false;
      }
      int code = done.join();
      return code == 200 || code == 401;
    }

    IOException failure() {
      try {
        done.join();
        return null;
      } catch (java.util.concurrent.CompletionException e) {
        return e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      } catch (java.util.concurrent.CancellationException e) {
        return new IOException("cancelled");
      }
    }
  }

  @Override
  public String toString() {
    return hostPort + (insecure ? " (insecure)" : "");
  }
}
