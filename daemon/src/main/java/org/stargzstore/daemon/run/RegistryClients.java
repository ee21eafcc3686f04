package org.stargzstore.daemon.run;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.registry.Platform;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.registry.http.RetryPolicy;

/**
 * Builds the registry client the daemon uses: by default it reads exactly what podman reads on
 * this node (registries.conf, certs.d, auth files, credential helpers), so a node that can
 * {@code podman pull} an image can mount it lazily; {@code [registry]} keys override each file.
 *
 * <p>Its patience follows {@code read_timeout}: a connection that stays silent (or takes to
 * connect) for an eighth of it is given up and the request tried again, so the tries the retry
 * policy allows on one source take at most about half the time a read may wait, leaving the
 * rest for the next source (see {@code docs/configuration.md}).
 */
public final class RegistryClients {
  private RegistryClients() {}

  /**
   * The daemon's client: as {@link #configure}, spooling blobs that a registry sends whole (it
   * ignores {@code Range}) under the store root ({@link StoreLayout#spoolDir}), so each costs
   * one transfer. Only the daemon spools: one-shot commands may share the root with a running
   * daemon, whose spool directory they must not empty.
   */
  public static RegistryClient create(DaemonConfig c) throws IOException {
    return create(configure(c).spoolDirectory(new StoreLayout(c.root()).spoolDir()));
  }

  /** The client configuration {@code c} describes, for callers that add to it. */
  public static RegistryClientConfig.Builder configure(DaemonConfig c) {
    RegistryClientConfig.Builder b = RegistryClientConfig.defaults().toBuilder();
    RegistryClientConfig stock = RegistryClientConfig.builder().build();
    b.readTimeout(stallTimeout(c.readTimeout(), stock.readTimeout()));
    b.connectTimeout(stallTimeout(c.readTimeout(), stock.connectTimeout()));
    if (c.registriesConf() != null) {
      b.registriesConf(c.registriesConf(), true);
    }
    if (c.registriesConfDir() != null) {
      b.registriesConfDirs(List.of(c.registriesConfDir()));
    }
    if (c.certsDir() != null) {
      b.certsDirs(List.of(c.certsDir()));
    }
    if (c.authFile() != null) {
      b.authFiles(List.of(RegistryClientConfig.AuthFileSpec.of(c.authFile())));
    }
    b.rangeIgnoredByMirror(c.rangeIgnoredByMirror());
    if (!c.platform().isEmpty()) {
      b.platform(Platform.parse(c.platform()));
    }
    return b;
  }

  /**
   * How long a connection may be silent (or take to connect) before it is given up and the
   * request tried again: half of {@code readTimeout} divided among the tries of the default
   * retry policy (an eighth), at most {@code cap} (the client's own default), at least 100 ms.
   */
  public static Duration stallTimeout(Duration readTimeout, Duration cap) {
    Duration share = readTimeout.dividedBy(2L * RetryPolicy.defaults().maxAttempts());
    Duration floor = Duration.ofMillis(100);
    return share.compareTo(cap) > 0 ? cap : share.compareTo(floor) < 0 ? floor : share;
  }

  /** Creates a client; a bad configuration is an {@link IOException} naming the problem. */
  public static RegistryClient create(RegistryClientConfig.Builder b) throws IOException {
    try {
      return RegistryClient.create(b.build());
    } catch (RuntimeException e) {
      throw new IOException("registry configuration: " + e.getMessage(), e);
    }
  }
}
