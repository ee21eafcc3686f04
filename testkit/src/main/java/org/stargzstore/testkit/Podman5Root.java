package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A Debian trixie root with podman 5.4, made and mounted by {@code scripts/podman5-root.sh}, for
 * tests against podman 5 on a host (Debian 12) that packages only podman 4.3. The root is made
 * once (about 1.5 min, debootstrap from the host's Debian mirror) and reused; while this object
 * is open it is mounted (its own bind mount, /proc, /sys, /dev, /run) and held by this JVM alone,
 * and {@link #close} unmounts it all. Podman inside shares the host's network namespace (a
 * registry on 127.0.0.1 is reachable) but sees only mounts made below the root: a FUSE mount a
 * test makes for podman to use must be at {@link #newWorkDir()} or below.
 */
public final class Podman5Root implements AutoCloseable {
  private static final long CREATE_TIMEOUT_SECONDS = 1200;

  private final Path root;
  private final FileChannel lockFile;
  private final FileLock lock;

  private Podman5Root(Path root, FileChannel lockFile, FileLock lock) {
    this.root = root;
    this.lockFile = lockFile;
    this.lock = lock;
  }

  /** The script that makes, mounts and unmounts the root. */
  public static Path script() {
    return Shared.projectRoot().resolve("scripts/podman5-root.sh");
  }

  /**
   * Why a podman 5 root cannot be made here (not root, no debootstrap), or empty if it can. Only
   * these skip a test: a root that fails to bootstrap (no network to the mirror) is a failure.
   */
  public static Optional<String> unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("podman 5 tests need root (debootstrap, mount, chroot)");
    }
    if (ExternalTools.which("debootstrap") == null
        && !Files.isExecutable(Path.of("/usr/sbin/debootstrap"))) {
      return Optional.of("podman 5 tests need debootstrap (apt-get install debootstrap, "
          + "or scripts/setup-debian.sh)");
    }
    return Optional.empty();
  }

  /** Makes the root if needed, takes it for this JVM and mounts it. */
  public static Podman5Root open() throws IOException {
    Path root = Path.of(script(List.of("path"), 60).strip());
    Files.createDirectories(root.getParent());
    FileChannel ch = FileChannel.open(root.resolveSibling(root.getFileName() + ".in-use"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      // another JVM's tests use it: wait, they unmount it when done
      lock = ch.lock();
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    Podman5Root r = new Podman5Root(root, ch, lock);
    try {
      script(List.of("create"), CREATE_TIMEOUT_SECONDS);
      script(List.of("mount"), 120);
      return r;
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
  }

  private static String script(List<String> args, long timeoutSeconds) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", script().toString()));
    cmd.addAll(args);
    ExternalTools.Result r = ExternalTools.run(cmd, timeoutSeconds);
    if (r.exitCode() != 0) {
      throw new IOException("scripts/podman5-root.sh " + String.join(" ", args) + " failed ("
          + r.exitCode() + "):\n" + r.output());
    }
    return r.output();
  }

  /** The root, on the host. */
  public Path path() {
    return root;
  }

  /** A new empty directory {@code /w/NAME} inside the root; returns its host path. */
  public Path newWorkDir() throws IOException {
    return Files.createDirectories(root.resolve("w").resolve(UUID.randomUUID().toString()));
  }

  /** What {@code hostPath} (at or below the root) is seen as inside it. */
  public String inside(Path hostPath) {
    Path p = hostPath.toAbsolutePath().normalize();
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException(p + " is not inside the podman 5 root " + root
          + ": podman there cannot see it");
    }
    return "/" + root.relativize(p);
  }

  /** Unmounts everything below the root (its own mounts and any left by a test), lets it go. */
  @Override
  public void close() throws IOException {
    try {
      script(List.of("umount"), 120);
    } finally {
      lock.release();
      lockFile.close();
    }
  }
}
