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

  /**
   * Whether the first request to this host settles its scheme itself, without a ping first: an
   * insecure host with an explicit port, where only one of HTTPS and plain HTTP can answer (the
   * same port cannot speak both), so the request is sent over both at once and the scheme that
   * answers wins. A host without a port is pinged: there HTTPS (443) and plain HTTP (80) are two
   * servers, and only a registry's answer to {@code /v2/} may choose plain HTTP.
   */
  boolean settlesSchemeByFirstRequest() {
    return insecure && base == null && hostPort.lastIndexOf(':') > hostPort.lastIndexOf(']');
  }

  /** A request sent over the scheme that answered it, and its response (open). */
  record FirstAnswer(Request request, Response response) {}

  /** A request built for a base URL. */
  interface RequestAt {
    Request at(HttpUrl base) throws IOException;
  }

  /**
   * Sends {@code request} (built for a base URL) over HTTPS and plain HTTP at once, as the ping
   * of an insecure host does, and keeps the scheme that answers: HTTPS if it answers at all,
   * plain HTTP as soon as it answers with anything but 400 (what a TLS port says to plain HTTP).
   * Saves a fresh daemon's first image the ping's round trip (50 ms on the benchmark's link).
   */
  FirstAnswer firstRequest(RequestAt request, Duration timeout) throws IOException {
    HttpUrl https = HttpUrl.get("https://" + hostPort + "/");
    HttpUrl http = HttpUrl.get("http://" + hostPort + "/");
    Request overTls = request.at(https);
    Request overPlain = request.at(http);
    Ping tls = new Ping(overTls, timeout);
    Ping plain = new Ping(overPlain, timeout);
    try {
      Ping won = race(tls, plain, p -> p.answered() && p.code() != 400, "reaching", "its first"
          + " request");
      return won == tls ? settle(https, overTls, tls) : settle(http, overPlain, plain);
    } catch (RegistryNetworkException e) {
      // a scheme whose request failed on the registry's answer (a refused token, say) reached
      // the registry: that is the scheme, and that failure the caller's
      rethrowAnswerFailure(tls, https);
      rethrowAnswerFailure(plain, http);
      throw e;
    } finally {
      tls.discardUnlessTaken();
      plain.discardUnlessTaken();
    }
  }

  private void rethrowAnswerFailure(Ping p, HttpUrl scheme) throws RegistryException {
    if (p.failure() instanceof RegistryException re
        && !(re instanceof RegistryNetworkException)) {
      settleScheme(scheme);
      throw re;
    }
  }

  private FirstAnswer settle(HttpUrl scheme, Request sent, Ping answer) {
    settleScheme(scheme);
    Response r = answer.take();
    return new FirstAnswer(sent, r.body() == null ? r
        : r.newBuilder().body(new AbortOnCloseBody(r.body(), answer.call)).build());
  }

  /** Keeps {@code scheme} as this host's base unless one is settled already. */
  private synchronized void settleScheme(HttpUrl scheme) {
    if (base == null) {
      base = scheme;
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
    Ping tls = new Ping(https, timeout);
    Ping plain = new Ping(http, timeout);
    try {
      Ping won = race(tls, plain, Ping::isRegistryAnswer, "pinging", "a ping");
      return won == tls ? accept(tls, https) : accept(plain, http);
    } finally {
      tls.discard();
      plain.discard();
    }
  }

  /**
   * Which of the same request over HTTPS and over plain HTTP settles an insecure host's scheme:
   * plain HTTP as soon as {@code plainAnswers} and HTTPS has not answered yet, else HTTPS if it
   * answers at all, else plain HTTP if it answers at all. The caller discards the loser.
   */
  private Ping race(Ping tls, Ping plain, java.util.function.Predicate<Ping> plainAnswers,
      String doing, String by) throws RegistryNetworkException {
    long t0 = System.nanoTime();
    java.util.concurrent.CompletableFuture.anyOf(tls.done, plain.done)
        .handle((r, e) -> null).join();
    if (plainAnswers.test(plain) && !tls.answered()) {
      long ms = (System.nanoTime() - t0) / 1_000_000;
      LOG.fine(() -> "registry " + hostPort + " is insecure and answers plain HTTP (" + by
          + ", in " + ms + " ms)");
      return plain;
    }
    tls.settle();
    if (tls.answered()) {
      return tls;
    }
    plain.settle();
    if (plain.answered()) {
      LOG.fine(() -> "registry " + hostPort + " is insecure and answers plain HTTP (HTTPS: "
          + NetworkErrors.describe(tls.failure()) + ")");
      return plain;
    }
    RegistryNetworkException ex = new RegistryNetworkException(doing + " registry " + hostPort
        + " over HTTPS (" + NetworkErrors.describe(tls.failure()) + ") and plain HTTP: "
        + NetworkErrors.describe(plain.failure()), plain.failure());
    ex.addSuppressed(tls.failure());
    throw ex;
  }

  private HttpUrl accept(Ping p, HttpUrl base) {
    try (Response r = p.response()) {
      if (r.code() == 401) {
        challenges(AuthChallenge.of(r));
      }
    }
    return base;
  }

  /**
   * One asynchronous request (a ping's {@code GET /v2/}, or a first request): its response, kept
   * open for the caller, or the failure.
   */
  private final class Ping implements okhttp3.Callback {
    final okhttp3.Call call;
    final java.util.concurrent.CompletableFuture<Response> done =
        new java.util.concurrent.CompletableFuture<>();
    /** Whether the response went to the caller (then {@link #discardUnlessTaken} leaves it). */
    private volatile boolean taken;

    Ping(HttpUrl base, Duration timeout) {
      this(new Request.Builder().url(base.resolve("/v2/")).get().build(), timeout);
    }

    Ping(Request request, Duration timeout) {
      call = client.newCall(request);
      if (timeout != null) {
        call.timeout().timeout(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
      }
      call.enqueue(this);
    }

    @Override
    public void onResponse(okhttp3.Call c, Response r) {
      if (!done.complete(r)) {
        r.close();
      }
    }

    Response response() {
      return done.join();
    }

    int code() {
      return done.join().code();
    }

    /** Cancels the request and closes its response whenever it comes. */
    void discard() {
      call.cancel();
      done.thenAccept(Response::close);
    }

    /** The response, handed to the caller. */
    Response take() {
      taken = true;
      return done.join();
    }

    void discardUnlessTaken() {
      if (!taken) {
        discard();
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
      int code = code();
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
