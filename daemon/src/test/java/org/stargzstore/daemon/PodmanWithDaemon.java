package org.stargzstore.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.run.Daemon;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;

/**
 * podman 4.3.1 (a {@link PodmanSandbox}) using a daemon in this JVM as its additional layer
 * store, both pointed at one test registry: the set-up the podman end-to-end tests share, so each
 * test states only its images, its {@code [fetch]} settings and its assertions.
 */
final class PodmanWithDaemon implements AutoCloseable {
  private final PodmanSandbox podman;
  private final InJvmDaemon daemon;

  private PodmanWithDaemon(PodmanSandbox podman, InJvmDaemon daemon) {
    this.podman = podman;
    this.daemon = daemon;
  }

  /**
   * Mounts the daemon at {@code dir/mnt} with its store at {@code dir/root}, reading
   * {@code registry} through the sandbox's registries.conf; {@code fetchSection} is the config's
   * {@code [fetch]} table (the only setting these tests vary), the rest stays at its defaults.
   */
  static PodmanWithDaemon start(RegistryServer registry, Path dir, String fetchSection)
      throws IOException {
    Path mnt = dir.resolve("mnt");
    PodmanSandbox podman = PodmanSandbox.create(mnt, List.of(registry.hostPort()));
    try {
      return new PodmanWithDaemon(podman, InJvmDaemon.start(dir, mnt,
          podman.dir().resolve("registries.conf"), fetchSection));
    } catch (IOException | RuntimeException e) {
      podman.close();
      throw e;
    }
  }

  PodmanSandbox podman() {
    return podman;
  }

  /** The daemon part (shared with {@link Podman5WithDaemon}). */
  InJvmDaemon inJvm() {
    return daemon;
  }

  DaemonConfig config() {
    return daemon.config();
  }

  Daemon daemon() {
    return daemon.daemon();
  }

  /** Where the daemon is mounted (the sandbox's additional layer store). */
  Path mountPoint() {
    return daemon.mountPoint();
  }

  /** The daemon's {@code [store] root}. */
  Path storeRoot() {
    return daemon.storeRoot();
  }

  /** The status report's entry for layer {@code index} of {@code image}; fails if none. */
  JsonNode layerStatus(String image, int index) {
    return daemon.layerStatus(image, index);
  }

  /** Removes podman's images and storage first, then unmounts the daemon. */
  @Override
  public void close() {
    podman.close();
    daemon.close();
  }
}
