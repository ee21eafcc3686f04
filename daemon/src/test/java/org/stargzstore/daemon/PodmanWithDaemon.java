package org.stargzstore.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.run.Daemon;
import org.stargzstore.daemon.run.RegistryClients;
import org.stargzstore.daemon.run.StatusReport;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * podman 4.3.1 (a {@link PodmanSandbox}) using a daemon in this JVM as its additional layer
 * store, both pointed at one test registry: the set-up the podman end-to-end tests share, so each
 * test states only its images, its {@code [fetch]} settings and its assertions.
 */
final class PodmanWithDaemon implements AutoCloseable {
  private final PodmanSandbox podman;
  private final DaemonConfig config;
  private final RegistryClient client;
  private final Daemon daemon;
  private final Path mountPoint;
  private final Path storeRoot;

  private PodmanWithDaemon(PodmanSandbox podman, DaemonConfig config, RegistryClient client,
      Daemon daemon, Path mountPoint, Path storeRoot) {
    this.podman = podman;
    this.config = config;
    this.client = client;
    this.daemon = daemon;
    this.mountPoint = mountPoint;
    this.storeRoot = storeRoot;
  }

  /**
   * Mounts the daemon at {@code dir/mnt} with its store at {@code dir/root}, reading
   * {@code registry} through the sandbox's registries.conf; {@code fetchSection} is the config's
   * {@code [fetch]} table (the only setting these tests vary), the rest stays at its defaults.
   */
  static PodmanWithDaemon start(RegistryServer registry, Path dir, String fetchSection)
      throws IOException {
    Path mnt = dir.resolve("mnt");
    Path root = dir.resolve("root");
    PodmanSandbox podman = PodmanSandbox.create(mnt, List.of(registry.hostPort()));
    RegistryClient client = null;
    try {
      Path conf = dir.resolve("config.toml");
      Files.writeString(conf, "[store]\nroot = \"" + root + "\"\n"
          + fetchSection
          + "[registry]\nregistries_conf = \"" + podman.dir().resolve("registries.conf") + "\"\n");
      DaemonConfig cfg = DaemonConfig.load(conf, true);
      client = RegistryClients.create(cfg);
      Daemon daemon = Daemon.start(cfg, mnt, new RegistryImageSource(client, cfg.readTimeout()),
          LayerFormats.all(), (r, u, p, t) -> { });
      return new PodmanWithDaemon(podman, cfg, client, daemon, mnt, root);
    } catch (IOException | RuntimeException e) {
      podman.close();
      if (client != null) {
        client.close();
      }
      throw e;
    }
  }

  PodmanSandbox podman() {
    return podman;
  }

  DaemonConfig config() {
    return config;
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

  /** The status report's entry for layer {@code index} of {@code image}; fails if none. */
  JsonNode layerStatus(String image, int index) {
    for (JsonNode img : StatusReport.of(daemon.layerStore()).path("images")) {
      if (img.path("reference").asText().equals(image)) {
        return img.path("layers").get(index);
      }
    }
    throw new AssertionError("no status for " + image);
  }

  /** Removes podman's images and storage first, then unmounts the daemon. */
  @Override
  public void close() {
    podman.close();
    daemon.close();
    client.close();
  }
}
