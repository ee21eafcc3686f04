package org.stargzstore.registry.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import org.stargzstore.registry.RegistryStats;
import org.stargzstore.registry.config.CertsDirectories;
import org.stargzstore.registry.config.TlsSettings;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * Makes and caches one HTTP client per registry host, all sharing one connection pool: TLS from
 * that host's certs.d directory (or none for an insecure host), and the interceptor chain
 * retry → auth (application) and logging → stats (network). Hosts that are not registries
 * (blob storage after a redirect, token servers) get the chain without auth.
 */
public final class HostClients {
  private final OkHttpClient base;
  private final CertsDirectories certs;
  private final RetryPolicy retry;
  private final RegistryStats stats;
  private final Map<String, RegistryHost> hosts = new ConcurrentHashMap<>();
  private final Map<String, OkHttpClient> plain = new ConcurrentHashMap<>();
  private volatile Interceptor auth;

  public HostClients(OkHttpClient base, CertsDirectories certs, RetryPolicy retry,
      RegistryStats stats) {
    this.base = base;
    this.certs = certs;
    this.retry = retry;
    this.stats = stats;
  }

  /** Installs the auth link (it needs this object to reach token servers, hence not in the constructor). */
  public void authInterceptor(Interceptor auth) {
    this.auth = auth;
  }

  /** The registry endpoint {@code hostPort}, insecure or not as registries.conf says. */
  public RegistryHost host(String hostPort, boolean insecure)
      throws RegistryConfigurationException {
    String key = hostPort + (insecure ? "#insecure" : "");
    RegistryHost h = hosts.get(key);
    if (h != null) {
      return h;
    }
    synchronized (hosts) {
      h = hosts.get(key);
      if (h == null) {
        OkHttpClient.Builder b = builder(hostPort, insecure);
        b.addInterceptor(new RetryInterceptor(retry, stats));
        if (auth != null) {
          b.addInterceptor(auth);
        }
        b.addNetworkInterceptor(new LoggingInterceptor());
        b.addNetworkInterceptor(new StatsInterceptor(stats));
        h = new RegistryHost(hostPort, insecure, b.build());
        hosts.put(key, h);
      }
      return h;
    }
  }

  /** A client without credentials for a URL that is not a registry API (storage, tokens). */
  public OkHttpClient plainClient(HttpUrl url, boolean insecure)
      throws RegistryConfigurationException {
    String hostPort = url.host() + (url.port() == HttpUrl.defaultPort(url.scheme()) ? ""
        : ":" + url.port());
    String key = hostPort + (insecure ? "#insecure" : "");
    OkHttpClient c = plain.get(key);
    if (c != null) {
      return c;
    }
    synchronized (plain) {
      c = plain.get(key);
      if (c == null) {
        c = builder(hostPort, insecure)
            .addInterceptor(new RetryInterceptor(retry, stats))
            .addNetworkInterceptor(new LoggingInterceptor())
            .addNetworkInterceptor(new StatsInterceptor(stats))
            .build();
        plain.put(key, c);
      }
      return c;
    }
  }

  private OkHttpClient.Builder builder(String hostPort, boolean insecure)
      throws RegistryConfigurationException {
    TlsSettings tls = TlsSettings.forHost(certs, hostPort, insecure);
    OkHttpClient.Builder b = base.newBuilder()
        .sslSocketFactory(tls.socketFactory(), tls.trustManager());
    if (tls.hostnameVerifier() != null) {
      b.hostnameVerifier(tls.hostnameVerifier());
    }
    return b;
  }

  public RegistryStats stats() {
    return stats;
  }
}
