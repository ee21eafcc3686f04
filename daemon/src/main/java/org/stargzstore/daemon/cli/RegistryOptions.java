package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.run.RegistryClients;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.Platform;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import picocli.CommandLine.Option;

/**
 * The registry options of the commands that talk to registries ({@code image inspect},
 * {@code convert} of images). By default the client reads what podman reads on this node, with
 * the daemon configuration's {@code [registry]} keys applied; these flags override both, with
 * podman's names where podman has one.
 */
final class RegistryOptions {
  @Option(names = "--registries-conf", paramLabel = "FILE",
      description = "registries.conf to use instead of podman's (it must exist).")
  Path registriesConf;

  @Option(names = "--authfile", paramLabel = "FILE",
      description = "Auth file to use instead of podman's (auth.json or a Docker config.json).")
  Path authFile;

  @Option(names = "--certs-d", paramLabel = "DIR",
      description = "certs.d directory (holding HOST[:PORT]/ subdirectories) to use instead of"
          + " /etc/containers/certs.d and the others.")
  Path certsDir;

  @Option(names = "--tls-verify", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "true",
      description = "Require HTTPS and verify certificates (default: true). False makes the"
          + " registries of the images named here insecure, as podman's flag does.")
  boolean tlsVerify = true;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform to pick from a multi-platform image (default: this node's).")
  String platform;

  /** A client for the images {@code refs} (whose registries --tls-verify=false applies to). */
  RegistryClient client(DaemonConfig config, List<ImageReference> refs) throws IOException {
    RegistryClientConfig.Builder b = RegistryClients.configure(config);
    if (registriesConf != null) {
      b.registriesConf(registriesConf, true);
    }
    if (authFile != null) {
      b.authFiles(List.of(RegistryClientConfig.AuthFileSpec.of(authFile)));
    }
    if (certsDir != null) {
      b.certsDirs(List.of(certsDir));
    }
    if (platform != null) {
      b.platform(platform());
    }
    if (!tlsVerify) {
      List<String> hosts = new ArrayList<>();
      refs.forEach(r -> hosts.add(r.registry()));
      b.insecureHosts(hosts);
    }
    return RegistryClients.create(b);
  }

  /** The --platform value, if given, else null. */
  Platform platform() {
    if (platform == null) {
      return null;
    }
    try {
      return Platform.parse(platform);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--platform: " + e.getMessage());
    }
  }
}
