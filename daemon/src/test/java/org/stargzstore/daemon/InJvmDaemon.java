package org.stargzstore.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.run.Daemon;
import org.stargzstore.daemon.run.RegistryClients;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * The daemon run in the test JVM (the real {@link Daemon}, FUSE mount and registry client) as a
 * podman sandbox's additional layer store: the part {@link PodmanWithDaemon} (podman 4.3.1) and
 * {@link Podman5WithDaemon} (podman 5.4 in its root) share, so both ask the status report the same
 * way which layers it served.
 */
final class InJvmDaemon implements AutoCloseable {
  private final DaemonConfig config;
  private final RegistryClient client;
  private final Daemon daemon;
  private final Path mountPoint;
  private final Path storeRoot;

  private InJvmDaemon(DaemonConfig config, RegistryClient client, Daemon daemon, Path mountPoint,
      Path storeRoot) {
    this.config = config;
    this.client = client;
    this.daemon = daemon;
    this.mountPoint = mountPoint;
    this.storeRoot = storeRoot;
  }

  /**
   * Mounts the daemon at {@code mnt} with its store at {@code dir/root} and its configuration in
   * {@code dir/config.toml}, reading registries as {@code registriesConf} says; {@code
   * fetchSection} is the config's {@code [fetch]} table, the rest stays at its defaults.
   */
  static InJvmDaemon start(Path dir, Path mnt, Path registriesConf, String fetchSection)
      throws IOException {
    return start(dir, mnt, registriesConf, fetchSection, "");
  }

  /** As above, with {@code registryKeys} (TOML lines) added to the {@code [registry]} table. */
  static InJvmDaemon start(Path dir, Path mnt, Path registriesConf, String fetchSection,
      String registryKeys) throws IOException {
    Path root = dir.resolve("root");
    Files.createDirectories(dir);
    Path conf = dir.resolve("config.toml");
    Files.writeString(conf, "[store]\nroot = \"" + root + "\"\n"
        + fetchSection
        + "[registry]\nregistries_conf = \"" + registriesConf + "\"\n" + registryKeys);
    DaemonConfig cfg = DaemonConfig.load(conf, true);
    RegistryClient client = RegistryClients.create(cfg);
    try {
      Daemon daemon = Daemon.start(cfg, mnt, new RegistryImageSource(client, cfg.readTimeout()),
          LayerFormats.all(), (r, u, p, t) -> { });
      return new InJvmDaemon(cfg, client, daemon, mnt, root);
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  DaemonConfig config() {
    return config;
  }

  /** The daemon's registry client (its {@code stats()} count what went over the wire). */
  RegistryClient client() {
    return client;
  }

  Daemon daemon() {
    return daemon;
  }

  /** Where the daemon is mounted (the sandbox's additional layer store). */
  Path mountPoint() {
    return mountPoint;
  }

  /** The daemon's {@code [store] root}. */
  Path storeRoot() {
    return storeRoot;
  }

  /** The status report's entry for {@code image}, if the daemon served it. */
  Optional<JsonNode> imageStatus(String image) {
    for (JsonNode img : daemon.status().path("images")) {
      if (img.path("reference").asText().equals(image)) {
        return Optional.of(img);
      }
    }
    return Optional.empty();
  }

  /** The status report's entry for layer {@code index} of {@code image}; fails if none. */
  JsonNode layerStatus(String image, int index) {
    return imageStatus(image).orElseThrow(() -> new AssertionError("no status for " + image))
        .path("layers").get(index);
  }

  /** Unmounts the daemon. */
  @Override
  public void close() {
    daemon.close();
    client.close();
  }
}
