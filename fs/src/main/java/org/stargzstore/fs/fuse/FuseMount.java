package org.stargzstore.fs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.stargzstore.fs.fuse.kernel.KernelSession;
import org.stargzstore.fs.fuse.kernel.Takeover;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * A mounted tree, served by the backend {@link MountOptions#backend()} names ({@link FuseBinding}
 * over libfuse, or a {@link KernelSession} over {@code /dev/fuse}): mounts, waits until the kernel shows the mount, and unmounts.
 * Starts cleanly over a stale mount left by a killed daemon (the "transport endpoint is not
 * connected" state), which would otherwise make the mount point unusable, and refuses a mount
 * point another daemon still serves ({@link MountPointCheck}).
 */
public final class FuseMount implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(FuseMount.class.getName());
  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(20);

  private final Path mountPoint;
  private final KernelSession kernelSession;
  private final boolean handOverAtClose;
  private volatile boolean mounted;

  private FuseMount(Path mountPoint, KernelSession kernelSession, boolean handOverAtClose) {
    this.mountPoint = mountPoint;
    this.kernelSession = kernelSession;
    this.handOverAtClose = handOverAtClose;
  }

  /** Mounts {@code root} at {@code mountPoint} (created if missing) and returns once it is live. */
  public static FuseMount mount(FsNode root, Path mountPoint, MountOptions options)
      throws IOException {
    return mount(root, mountPoint, options, null);
  }

  /**
   * As {@link #mount(FsNode, Path, MountOptions)}; with the kernel backend and {@code takeover}
   * non-null, first tries to take over the connection an earlier daemon left with the keeper
   * (no new mount), and {@link #close()} hands the connection over instead of unmounting
   * (docs/fuse.md, "Takeover"). Ignored by the libfuse backend.
   */
  public static FuseMount mount(FsNode root, Path mountPoint, MountOptions options,
      Takeover takeover) throws IOException {
    Path mp = mountPoint.toAbsolutePath().normalize();
    if (options.backend() == MountOptions.Backend.KERNEL && takeover != null) {
      KernelSession s = takeover.start(root, mp, options, () -> {
        MountPointCheck.prepareForMount(mp);
        Files.createDirectories(mp);
        return KernelSession.mount(root, mp, options, takeover.state());
      });
      FuseMount m = new FuseMount(mp, s, true);
      m.mounted = true;
      return m;
    }
    MountPointCheck.prepareForMount(mp);
    Files.createDirectories(mp);
    if (options.backend() == MountOptions.Backend.KERNEL) {
      FuseMount m = new FuseMount(mp, KernelSession.mount(root, mp, options), false);
      m.mounted = true;
      return m;
    }
    FuseBinding binding = new FuseBinding(root);
    FuseMount m = new FuseMount(mp, null, false);
    // jnr-fuse's non-blocking mount waits a fixed 2 s for libfuse's loop to return (it never does
    // while mounted); run the blocking mount in a thread of our own and watch the mount table.
    java.util.concurrent.CompletableFuture<Void> loop = new java.util.concurrent.CompletableFuture<>();
    Thread t = DaemonThreadFactory.named("fuse-loop").newThread(() -> {
      try {
        binding.mount(mp, true, options.debug(), options.fuseArgs().toArray(String[]::new));
        loop.complete(null);
      } catch (Throwable e) {
        loop.completeExceptionally(e);
      }
    });
    t.start();
    Instant deadline = Instant.now().plus(MOUNT_TIMEOUT);
    while (!isMounted(mp)) {
      if (loop.isDone()) {
        String why;
        try {
          loop.join();
          why = "libfuse exited";
        } catch (java.util.concurrent.CompletionException e) {
          why = rootCause(e.getCause());
        }
        throw new IOException("cannot mount FUSE at " + mp + ": " + why
            + " (is /dev/fuse present and libfuse2 installed?)");
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException("FUSE mount at " + mp + " did not appear within "
            + MOUNT_TIMEOUT.toSeconds() + " s");
      }
      sleep(5);
    }
    m.mounted = true;
    return m;
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** The kernel backend's session (its stats), empty for the libfuse backend. */
  public Optional<KernelSession> kernelSession() {
    return Optional.ofNullable(kernelSession);
  }

  /** True if {@link #close()} hands the connection over (takeover) rather than unmounting. */
  public boolean handsOverAtClose() {
    return handOverAtClose;
  }

  /**
   * Unmounts (lazily, so busy users do not block shutdown) and waits until it is gone; a mount
   * made with a {@link Takeover} is handed over instead: it stays mounted for the next daemon.
   */
  @Override
  public synchronized void close() {
    if (!mounted) {
      return;
    }
    mounted = false;
    if (handOverAtClose) {
      kernelSession.handOver();
      return;
    }
    try {
      unmount(mountPoint);
    } catch (IOException e) {
      LOG.warning("unmounting " + mountPoint + " failed: " + e.getMessage());
    }
    if (kernelSession != null) {
      kernelSession.close();
    }
  }

  /** True if {@code mp} is a mount point according to {@code /proc/self/mountinfo}. */
  public static boolean isMounted(Path mp) throws IOException {
    return MountEntry.at(mp).isPresent();
  }

  /** Unmounts {@code mp} with {@code fusermount -u -z}, falling back to {@code umount -l}. */
  public static void unmount(Path mp) throws IOException {
    for (List<String> cmd : List.of(
        List.of("fusermount", "-u", "-z", mp.toString()),
        List.of("fusermount3", "-u", "-z", mp.toString()),
        List.of("umount", "-l", mp.toString()))) {
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
          break;
        }
      } catch (IOException e) {
        // that tool is not installed: try the next
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while unmounting " + mp, e);
      }
    }
    Instant deadline = Instant.now().plusSeconds(10);
    while (isMounted(mp) && Instant.now().isBefore(deadline)) {
      sleep(20);
    }
    if (isMounted(mp)) {
      throw new IOException(mp + " is still mounted");
    }
  }

  private static String rootCause(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
