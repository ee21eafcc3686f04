package org.stargzstore.registry.http;

import java.io.IOException;
import java.io.InterruptedIOException;
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
 * reading its response body fails part-way. Every request of an operation carries the
 * operation's {@link Attempts}: the retries of the {@link RetryInterceptor} below (5xx, 429,
 * resets before the answer) and the reruns here draw on the same tries and the same deadline.
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

  /** The tries of a new operation that must end within {@code timeout} (null: none). */
  public Attempts attempts(Duration timeout) {
    return Attempts.start(policy, stats, Deadline.in(timeout));
  }

  /** Runs {@code op} and returns what it read; {@code timeout} (nullable) bounds the whole call. */
  public <T> T call(Repository repo, RegistryOperation<T> op, Duration timeout)
      throws RegistryException {
    return call(repo, op, attempts(timeout));
  }

  /** Runs {@code op} as part of an operation whose tries are {@code attempts}. */
  public <T> T call(Repository repo, RegistryOperation<T> op, Attempts attempts)
      throws RegistryException {
    while (true) {
      Response r = open(repo, op, attempts);
      try {
        return op.handle(r);
      } catch (RegistryException e) {
        throw e;
      } catch (IOException e) {
        if (!op.retryOnBodyFailure() || !retry(attempts, e, op.action())) {
          throw new RegistryNetworkException(op.action() + ": " + NetworkErrors.describe(e), e);
        }
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
    return open(repo, op, attempts(timeout));
  }

  /** As {@link #open(Repository, RegistryOperation, Duration)}, one try of {@code attempts}. */
  public Response open(Repository repo, RegistryOperation<?> op, Attempts attempts)
      throws RegistryException {
    Deadline deadline = attempts.deadline();
    RegistryHost host = repo.host();
    Request request;
    Response resp;
    try {
      if (host.settlesSchemeByFirstRequest()) {
        RegistryHost.FirstAnswer first = host.firstRequest(
            b -> build(repo, op, attempts, b), deadline.remaining(op.action()));
        request = first.request();
        resp = first.response();
      } else {
        request = build(repo, op, attempts, host.base(deadline.remaining(op.action())));
        resp = execute(host.client(), request, deadline, op.action());
      }
    } catch (RegistryException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryNetworkException(op.action() + ": " + NetworkErrors.describe(e), e);
    }
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

  /** {@code op}'s request against {@code base}, tagged for authentication and its attempts. */
  private static Request build(Repository repo, RegistryOperation<?> op, Attempts attempts,
      HttpUrl base) throws IOException {
    return op.request(base)
        .tag(RequestTag.class, new RequestTag(repo.host(), repo.credentialKey(), repo.scopes(),
            op.action()))
        .tag(Attempts.class, attempts)
        .build();
  }

  /**
   * Sends {@code request} to a URL that is not a registry API (a cached storage URL): no
   * credentials, no redirects; every status is returned to the caller.
   */
  public Response openDirect(Request request, Attempts attempts, String action)
      throws RegistryException {
    HttpUrl url = request.url();
    OkHttpClient client = clients.plainClient(url, insecureHost.test(hostPort(url)));
    return execute(client, request.newBuilder().tag(Attempts.class, attempts).build(),
        attempts.deadline(), action);
  }

  /**
   * Frees a response opened here from its operation's deadline, so its body can be read on
   * after the operation ended (a spooled whole blob); the idle read timeout still applies.
   */
  public static void outliveDeadline(Response r) {
    AbortOnCloseBody.outliveDeadline(r);
  }

  /** Cancels the call of a response opened here; safe from another thread than its reader. */
  public static void cancel(Response r) {
    AbortOnCloseBody.cancel(r);
  }

  /**
   * After {@code e} ended a try of {@code action}: true, once the backoff has passed, if
   * {@code attempts} allow another.
   */
  private static boolean retry(Attempts attempts, IOException e, String action)
      throws RegistryNetworkException {
    try {
      return attempts.retry(e);
    } catch (InterruptedIOException interrupted) {
      throw new RegistryNetworkException(action + ": interrupted", interrupted);
    }
  }

  private Response execute(OkHttpClient client, Request request, Deadline deadline,
      String action) throws RegistryException {
    Call call = client.newCall(request);
    Duration left = deadline.remaining(action);
    if (left != null) {
      call.timeout().timeout(left.toNanos(), TimeUnit.NANOSECONDS);
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
}
