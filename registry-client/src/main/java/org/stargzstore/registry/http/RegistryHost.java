package org.stargzstore.registry.http;

import java.io.IOException;
import java.util.List;
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

  /** {@code https://host:port/} (or http for an insecure host without TLS), pinging once. */
  public HttpUrl base() throws RegistryException {
    HttpUrl b = base;
    if (b != null) {
      return b;
    }
    synchronized (this) {
      if (base == null) {
        base = ping();
      }
      return base;
    }
  }

  private HttpUrl ping() throws RegistryException {
    HttpUrl https = HttpUrl.get("https://" + hostPort + "/");
    try {
      pingAt(https);
      return https;
    } catch (IOException e) {
      if (!insecure) {
        throw new RegistryNetworkException("pinging registry " + hostPort + " over HTTPS: "
            + NetworkErrors.describe(e), e);
      }
      HttpUrl http = HttpUrl.get("http://" + hostPort + "/");
      try {
        pingAt(http);
        LOG.fine(() -> "registry " + hostPort + " is insecure and answers plain HTTP");
        return http;
      } catch (IOException e2) {
        RegistryNetworkException ex = new RegistryNetworkException("pinging registry " + hostPort
            + " over HTTPS (" + NetworkErrors.describe(e) + ") and plain HTTP: "
            + NetworkErrors.describe(e2), e2);
        ex.addSuppressed(e);
        throw ex;
      }
    }
  }

  private void pingAt(HttpUrl base) throws IOException {
    Request req = new Request.Builder().url(base.resolve("/v2/")).get().build();
    try (Response r = client.newCall(req).execute()) {
      if (r.code() == 401) {
        challenges(AuthChallenge.parse(r.headers("WWW-Authenticate")));
      }
    }
  }

  @Override
  public String toString() {
    return hostPort + (insecure ? " (insecure)" : "");
  }
}
