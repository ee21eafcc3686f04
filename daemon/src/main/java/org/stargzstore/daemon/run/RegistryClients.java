package org.stargzstore.daemon.run;

import java.io.IOException;
import java.util.List;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.registry.Platform;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;

/**
 * Builds the registry client the daemon uses: by default it reads exactly what podman reads on
 * this node (registries.conf, certs.d, auth files, credential helpers), so a node that can
 * {@code podman pull} an image can mount it lazily; {@code [registry]} keys override each file.
 */
public final class RegistryClients {
  private RegistryClients() {}

  public static RegistryClient create(DaemonConfig c) throws IOException {
    return create(configure(c));
  }

  /** The client configuration {@code c} describes, for callers that add to it. */
  public static RegistryClientConfig.Builder configure(DaemonConfig c) {
    RegistryClientConfig.Builder b = RegistryClientConfig.defaults().toBuilder();
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
    if (!c.platform().isEmpty()) {
      b.platform(Platform.parse(c.platform()));
    }
    return b;
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
