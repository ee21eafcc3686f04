package org.stargzstore.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.stargzstore.testkit.Podman5Root;
import org.stargzstore.testkit.Podman5Sandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;

/**
 * The podman 5.4 twin of {@link PodmanWithDaemon}: a {@link Podman5Sandbox} whose additional
 * layer store is a daemon in this JVM, mounted in a work directory inside the {@link Podman5Root}
 * (podman in the chroot sees only mounts below the root). The daemon reads the registry through
 * the sandbox's registries.conf, as podman does.
 */
final class Podman5WithDaemon implements AutoCloseable {
  private final Podman5Sandbox podman;
  private final InJvmDaemon daemon;
  private final Path work;
  private final Path daemonDir;

  private Podman5WithDaemon(Podman5Sandbox podman, InJvmDaemon daemon, Path work,
      Path daemonDir) {
    this.podman = podman;
    this.daemon = daemon;
    this.work = work;
    this.daemonDir = daemonDir;
  }

  /**
   * Mounts the daemon at a new work directory's {@code mnt} in {@code root} and makes a sandbox
   * using it; {@code fetchSection} is the config's {@code [fetch]} table. The daemon's store and
   * configuration are in a host temporary directory: below the root, the path of its control
   * socket would be longer than a unix socket path may be (108 bytes).
   */
  static Podman5WithDaemon start(RegistryServer registry, Podman5Root root, String fetchSection)
      throws IOException {
    Path work = root.newWorkDir();
    Path mnt = Files.createDirectories(work.resolve("mnt"));
    Podman5Sandbox podman = Podman5Sandbox.builder(root).layerStore(mnt)
        .insecure(List.of(registry.hostPort())).create();
    Path daemonDir = Files.createTempDirectory("srs-p5d-");
    try {
      return new Podman5WithDaemon(podman, InJvmDaemon.start(daemonDir, mnt,
          podman.dir().resolve("registries.conf"), fetchSection), work, daemonDir);
    } catch (IOException | RuntimeException e) {
      podman.close();
      TempDirs.deleteRecursively(daemonDir);
      throw e;
    }
  }

  Podman5Sandbox podman() {
    return podman;
  }

  InJvmDaemon inJvm() {
    return daemon;
  }

  /** Removes podman's images and storage first, then unmounts the daemon. */
  @Override
  public void close() {
    podman.close();
    daemon.close();
    TempDirs.deleteRecursively(work);
    TempDirs.deleteRecursively(daemonDir);
  }
}
