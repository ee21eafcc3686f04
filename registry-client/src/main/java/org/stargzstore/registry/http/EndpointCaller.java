package org.stargzstore.registry.http;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.RegistryStats;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.registry.errors.RegistryProtocolException;

/**
 * Runs {@link RegistryOperation}s against a repository: tags the request for authentication,
 * applies the per-call deadline, follows redirects (to other hosts without credentials), turns
 * failures into typed errors naming the action, and runs an idempotent operation again when
 * reading its response body fails part-way. Status-level retries (5xx, 429, resets before the
 * answer) happen below, in the {@link RetryInterceptor}.
 */
public final class EndpointCaller {
  private static final int MAX_REDIRECTS = 5;

  private final HostClients clients;
  private final RetryPolicy policy;
  private final RegistryStats stats;
  private final Predicate<String> insecureHost;
  private final Function<String, String> authHint;

  /**
   * @param insecureHost whether registries.conf marks a {@code host[:port]} insecure (for
   *     redirect targets)
   * @param authHint what to add to a 401 message for a credential key
   */
  public EndpointCaller(HostClients clients, RetryPolicy policy, RegistryStats stats,
      Predicate<String> insecureHost, Function<String, String> authHint) {
    this.clients = clients;
    this.policy = policy;
    this.stats = stats;
    this.insecureHost = insecureHost;
    this.authHint = authHint;
  }

  public RetryPolicy policy() {
    return policy;
  }

  public RegistryStats stats() {
    return stats;
  }

  /** Runs {@code op} and returns what it read; {@code timeout} (nullable) bounds the whole call. */
  public <T> T call(Repository repo, RegistryOperation<T> op, Duration timeout)
      throws RegistryException {
    long deadline = deadline(timeout);
    int attempt = 1;
    while (true) {
      Response r = open(repo, op, remaining(deadline, op.action()));
      try {
        return op.handle(r);
      } catch (RegistryException e) {
        throw e;
      } catch (IOException e) {
        if (!op.retryOnBodyFailure() || !RetryInterceptor.isTransient(e)
            || attempt >= policy.maxAttempts()) {
          throw new RegistryNetworkException(op.action() + ": " + NetworkErrors.describe(e), e);
        }
        sleep(policy.backoff(attempt), op.action());
        stats.onRetry();
        attempt++;
      } finally {
        r.close();
      }
    }
  }

  /**
   * Sends {@code op}'s request and returns the (accepted) response for the caller to read and
   * close: for streaming bodies. The final URL after redirects is {@code response.request().url()}.
   */
  public Response open(Repository repo, RegistryOperation<?> op, Duration timeout)
      throws RegistryException {
    long deadline = deadline(timeout);
    HttpUrl base = repo.host().base(remaining(deadline, op.action()));
    Request request;
    try {
      request = op.request(base)
          .tag(RequestTag.class, new RequestTag(repo.host(), repo.credentialKey(), repo.scopes(),
              op.action()))
          .build();
    } catch (RegistryException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryNetworkException(op.action() + ": " + NetworkErrors.describe(e), e);
    }
    Response resp = execute(repo.host().client(), request, deadline, op.action());
    int hops = 0;
    while (op.followRedirects() && resp.isRedirect()) {
      String location = resp.header("Location");
      HttpUrl target = location == null ? null : resp.request().url().resolve(location);
      resp.close();
      if (target == null) {
        throw new RegistryProtocolException(op.action() + ": redirect without a usable Location");
      }
      if (++hops > MAX_REDIRECTS) {
        throw new RegistryProtocolException(op.action() + ": more than " + MAX_REDIRECTS
            + " redirects");
      }
      stats.onRedirect();
      Request next = request.newBuilder().url(target).tag(RequestTag.class, null)
          .removeHeader("Authorization").build();
      OkHttpClient client = sameEndpoint(target, repo.host()) ? repo.host().client()
          : clients.plainClient(target, insecureHost.test(hostPort(target)));
      resp = execute(client, next, deadline, op.action());
    }
    if (!op.accepts(resp.code())) {
      RegistryException e = ErrorDecoder.decode(resp, op.action(),
          resp.request().tag(RequestTag.class) == null ? "" : authHint.apply(repo.credentialKey()));
      resp.close();
      throw e;
    }
    return resp;
  }

  /**
   * Sends {@code request} to a URL that is not a registry API (a cached storage URL): no
   * credentials, no redirects; every status is returned to the caller.
   */
  public Response openDirect(Request request, Duration timeout, String action)
      throws RegistryException {
    HttpUrl url = request.url();
    OkHttpClient client = clients.plainClient(url, insecureHost.test(hostPort(url)));
    return execute(client, request, deadline(timeout), action);
  }

  private Response execute(OkHttpClient client, Request request, long deadline, String action)
      throws RegistryException {
    Call call = client.newCall(request);
    if (deadline > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new RegistryNetworkException(action + ": deadline exceeded",
            NetworkErrors.deadlineExceeded());
      }
      call.timeout().timeout(left, TimeUnit.NANOSECONDS);
    }
    try {
      Response r = call.execute();
      return r.body() == null ? r
          : r.newBuilder().body(new AbortOnCloseBody(r.body(), call)).build();
    } catch (RegistryException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryNetworkException(action + ": " + NetworkErrors.describe(e), e);
    }
  }

  static boolean sameEndpoint(HttpUrl url, RegistryHost host) {
    return hostPort(url).equals(host.hostPort()) || (url.host() + ":" + url.port())
        .equals(host.hostPort());
  }

  /** {@code host} or {@code host:port} as a reference would spell it. */
  public static String hostPort(HttpUrl url) {
    return url.port() == HttpUrl.defaultPort(url.scheme()) ? url.host()
        : url.host() + ":" + url.port();
  }

  private static long deadline(Duration timeout) {
    return timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
  }

  private static Duration remaining(long deadline, String action) throws RegistryException {
    if (deadline == 0) {
      return null;
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new RegistryNetworkException(action + ": deadline exceeded",
          NetworkErrors.deadlineExceeded());
    }
    return Duration.ofNanos(left);
  }

  private static void sleep(Duration d, String action) throws RegistryException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryNetworkException(action + ": interrupted");
    }
  }
}
