package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;

/**
 * Issue 18 end to end, with real processes only: the installed-style launcher
 * ({@code bin/stargz-registry-storage}, the packaged jar) runs the daemon (kernel backend) and a
 * {@code fuse-holder}; one podman 4.3.1 container reads a lazily pulled file in a loop, checking
 * its digest, while the daemon is (a) stopped with SIGTERM and started, (b) killed with SIGKILL
 * and started, (c) replaced by a newer build (a copy of the jar with another version, from
 * another directory). Each time the container sees only a pause (printed: the longest time
 * without a new digest, the new JVM's start included). (d) Then no daemon comes: the unit's
 * {@code unmount-stale --unit} leaves the kept mount alone without probing it, and the
 * container's read fails (ENOTCONN / ECONNABORTED) once the holder's {@code --abort-after} has
 * passed, and does not hang.
 *
 * <p>An integration test that needs the jar {@code package} builds (as {@link InstallIT}).
 */
@IntegrationTest
class PodmanRestartProcessTest {
  /** Well above a restart on a loaded machine (one run with 8 s lost the race: ENOTCONN). */
  private static final Duration ABORT_AFTER = Duration.ofSeconds(15);
  private static final int LINES_AFTER_START = 15;
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private PodmanSandbox podman;

  /** podman first (it removes its images through the daemon), then daemons and the holder. */
  @AfterEach
  void cleanUp() throws Exception {
    if (podman != null) {
      podman.close();
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    Path mnt = tmp.resolve("mnt");
    if (FuseMount.isMounted(mnt)) {
      FuseMount.unmount(mnt);
    }
    // the daemons' and the holder's logs outlive the temporary directory, for a failure
    Path keep = Files.createDirectories(Path.of("target", "podman-restart-logs"));
    try (var logs = Files.newDirectoryStream(tmp, "*.log")) {
      for (Path log : logs) {
        Files.copy(log, keep.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Test
  @Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aContainerSeesOnlyPausesWhileTheDaemonIsRestartedKilledAndUpgraded() throws Exception {
    Path project = Path.of(System.getProperty("srs.projectRoot"));
    String version = System.getProperty("srs.version");
    Path launcher = project.resolve("bin/stargz-registry-storage");
    Path jar = project.resolve("daemon/target/stargz-registry-storage.jar");
    assertTrue(Files.isRegularFile(jar), "run under verify: the test needs the packaged " + jar);
    String nextVersion = version + "-next";
    Path nextLauncher = newerBuild(launcher, jar, nextVersion);

    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 4);
    ImagePusher.pushimg(REGISTRY, "restart/estargz:1", "estargz", List.of(base, data),
        "--chunk", "65536");
    String image = REGISTRY.hostPort() + "/restart/estargz:1";
    String want = ExternalTools.run(List.of("bash", "-c", "tar -xOf " + data
        + " data/big.bin | sha256sum"), 60).requireSuccess().output().split(" ")[0];
    Path mnt = tmp.resolve("mnt");
    podman = PodmanSandbox.create(mnt, List.of(REGISTRY.hostPort()));
    Path socket = tmp.resolve("run/fuse-holder.sock");
    Path root = tmp.resolve("root");
    Path conf = tmp.resolve("config.toml");
    Files.writeString(conf, "[store]\nroot = \"" + root + "\"\nfsync = false\n"
        + "[fetch]\nbackground = false\nprefetch = false\n"
        + "[fuse]\nbackend = \"kernel\"\ntakeover = true\ndescriptor_keeper = \"holder\"\n"
        + "holder_socket = \"" + socket + "\"\n"
        + "[registry]\nregistries_conf = \"" + podman.dir().resolve("registries.conf") + "\"\n");
    startHolder(launcher, socket);

    DaemonProcess daemon = daemon(launcher, conf, "a0");
    Path out = Files.createDirectories(tmp.resolve("out"));
    Path sums = out.resolve("sums");
    DigestLines lines = DigestLines.watch(sums);
    open.add(lines);
    CompletableFuture<ExternalTools.Result> container = CompletableFuture.supplyAsync(() -> {
      try {
        return podman.podman(600, "run", "--rm", "--network", "none", "--runtime",
            PodmanSandbox.runtime().toString(), "-v", out + ":/out", image, "/bin/sh", "-c",
            "i=0; while [ $i -lt 20000 ]; do sha256sum /data/big.bin >> /out/sums"
            + " || { echo READ-FAILED >> /out/sums; exit 3; }; i=$((i+1)); sleep 0.02; done");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    lines.awaitMore(20, container);

    // (a) SIGTERM and start: the stop hands the connection over, the holder keeps it
    long t0 = System.nanoTime();
    assertEquals(0, daemon.terminate(), daemon.logTail());
    assertTrue(daemon.log().contains("stopping: handing the FUSE connection at " + mnt
        + " over to the next daemon"), daemon.logTail());
    daemon = daemon(launcher, conf, "a1");
    long pauseA = lines.pauseSince(t0, LINES_AFTER_START, container);
    assertTrue(daemon.log().contains("taking over the FUSE connection at " + mnt),
        daemon.logTail());

    // (b) kill -9 and start: the holder's copy keeps the connection; nothing was handed over
    t0 = System.nanoTime();
    daemon.kill();
    daemon = daemon(launcher, conf, "b1");
    long pauseB = lines.pauseSince(t0, LINES_AFTER_START, container);
    assertTrue(daemon.log().contains("taking over the FUSE connection at " + mnt),
        daemon.logTail());

    // (c) upgrade: stop, start the newer build from its own directory
    t0 = System.nanoTime();
    assertEquals(0, daemon.terminate(), daemon.logTail());
    daemon = daemon(nextLauncher, conf, "c1");
    long pauseC = lines.pauseSince(t0, LINES_AFTER_START, container);
    String upgraded = daemon.log();
    assertTrue(upgraded.contains("stargz-registry-storage " + nextVersion + " starting"),
        daemon.logTail());
    assertTrue(upgraded.contains("taking over the FUSE connection at " + mnt), daemon.logTail());

    // (d) nobody comes: the read fails after the holder's timeout instead of hanging
    long tD = System.nanoTime();
    assertEquals(0, daemon.terminate(), daemon.logTail());
    // the unit's ExecStopPost after a crash (Restart= restarts): the kept mount is left alone
    // without the 5 s probe of a mount nobody serves yet
    long u0 = System.nanoTime();
    ProcessBuilder stopPost = new ProcessBuilder(launcher.toString(), "--config", conf.toString(),
        "unmount-stale", "--unit", "stargz-registry-storage.service", mnt.toString())
        .redirectErrorStream(true);
    stopPost.environment().put("SERVICE_RESULT", "signal");
    Process u = stopPost.start();
    String stopPostOut = new String(u.getInputStream().readAllBytes());
    assertTrue(u.waitFor(60, TimeUnit.SECONDS) && u.exitValue() == 0, stopPostOut);
    assertTrue(stopPostOut.contains("left alone: the FUSE connection at " + mnt
        + " is kept for the next daemon"), stopPostOut);
    long stopPostMs = ms(System.nanoTime() - u0);
    assertTrue(FuseMount.isMounted(mnt));
    ExternalTools.Result r = container.get(ABORT_AFTER.toSeconds() + 120, TimeUnit.SECONDS);
    long failedAfter = lines.lastGrowth() - tD;
    System.out.println("PODMAN-RESTART pauses (longest time without a new digest in the "
        + "container, the new JVM's start included): (a) SIGTERM+start " + ms(pauseA)
        + " ms, (b) kill -9+start " + ms(pauseB) + " ms, (c) upgrade " + ms(pauseC)
        + " ms; (d) no new daemon: the read failed " + ms(failedAfter)
        + " ms after the stop (holder --abort-after " + ABORT_AFTER.toSeconds() + " s); "
        + "unmount-stale --unit on the kept mount took " + stopPostMs + " ms");
    assertEquals(3, r.exitCode(), "the container's read fails once nobody serves:\n"
        + r.output());
    // ENOTCONN, or ECONNABORTED from kernels that say the connection was aborted (6.18 here)
    assertTrue(r.output().contains("Transport endpoint is not connected")
        || r.output().contains("Software caused connection abort"), r.output());
    assertTrue(failedAfter >= ABORT_AFTER.minusMillis(500).toNanos(),
        "kept for --abort-after: " + ms(failedAfter) + " ms");
    List<String> got = Files.readAllLines(sums);
    assertEquals("READ-FAILED", got.get(got.size() - 1));
    for (String line : got.subList(0, got.size() - 1)) {
      assertEquals(want + "  /data/big.bin", line, "no wrong byte, no error before (d)");
    }
    assertTrue(got.size() > 20 + 3 * LINES_AFTER_START, got.size() + " digests");
  }

  /** A newer build: the launcher and a copy of the jar whose version says {@code version}. */
  private Path newerBuild(Path launcher, Path jar, String version) throws IOException {
    Path prefix = tmp.resolve("next");
    Path bin = Files.createDirectories(prefix.resolve("bin"));
    Path lib = Files.createDirectories(prefix.resolve("lib/stargz-registry-storage"));
    Path copy = lib.resolve("stargz-registry-storage.jar");
    Files.copy(jar, copy);
    try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + copy.toUri()),
        Map.of())) {
      Files.writeString(zip.getPath("org/stargzstore/daemon/version.properties"),
          "version=" + version + "\n");
    }
    Path next = bin.resolve("stargz-registry-storage");
    Files.copy(launcher, next, StandardCopyOption.COPY_ATTRIBUTES);
    return next;
  }

  private void startHolder(Path launcher, Path socket) throws Exception {
    Process p = new ProcessBuilder(launcher.toString(), "fuse-holder", "--socket",
        socket.toString(), "--abort-after", ABORT_AFTER.toSeconds() + "s")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("holder.log").toFile()).start();
    open.add(() -> p.destroyForcibly().waitFor(10, TimeUnit.SECONDS));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(socket)) {
      assertTrue(p.isAlive() && System.nanoTime() < deadline,
          "holder did not start: " + Files.readString(tmp.resolve("holder.log")));
      Thread.sleep(50);
    }
    Thread.sleep(200); // bound before listen() and chmod: let it finish
  }

  private DaemonProcess daemon(Path launcher, Path conf, String name) throws IOException {
    // env: the launcher's heap-budget cache in the test's directory, not the machine's
    DaemonProcess d = DaemonProcess.start(List.of("env",
        "SRS_CACHE_DIR=" + tmp.resolve("launcher-cache"), launcher.toString(), "--config",
        conf.toString(), "--log-level", "info", tmp.resolve("mnt").toString()),
        tmp.resolve("mnt"), tmp.resolve("daemon-" + name + ".log"),
        tmp.resolve("root/control.sock"));
    open.add(d::kill);
    return d;
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  /**
   * Watches the container's output file: when it grew (one digest line per write). The pause
   * around a restart is the longest time between two growths.
   */
  private static final class DigestLines implements AutoCloseable {
    private final Path file;
    private final List<long[]> growths = new ArrayList<>(); // {nanoTime, size}
    private final Thread thread;
    private volatile boolean stop;

    private DigestLines(Path file) {
      this.file = file;
      this.thread = new Thread(this::poll, "digest-lines");
      thread.setDaemon(true);
    }

    static DigestLines watch(Path file) {
      DigestLines l = new DigestLines(file);
      l.thread.start();
      return l;
    }

    private void poll() {
      long size = 0;
      while (!stop) {
        try {
          long now = Files.exists(file) ? Files.size(file) : 0;
          if (now > size) {
            synchronized (growths) {
              growths.add(new long[] {System.nanoTime(), now});
            }
            size = now;
          }
          Thread.sleep(5);
        } catch (IOException e) {
          // the file is being created: try again
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private int count() {
      synchronized (growths) {
        return growths.size();
      }
    }

    long lastGrowth() {
      synchronized (growths) {
        return growths.get(growths.size() - 1)[0];
      }
    }

    void awaitMore(int n, CompletableFuture<ExternalTools.Result> container)
        throws InterruptedException {
      int target = count() + n;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while (count() < target) {
        assertFalse(container.isDone(), () -> "the container ended: "
            + container.join().output());
        assertTrue(System.nanoTime() < deadline, "no new digest for 240 s");
        Thread.sleep(20);
      }
    }

    /**
     * Waits for {@code n} more digests, then: the longest time between two growths from the
     * last one before {@code since} on.
     */
    long pauseSince(long since, int n, CompletableFuture<ExternalTools.Result> container)
        throws InterruptedException {
      awaitMore(n, container);
      synchronized (growths) {
        long longest = 0;
        long prev = -1;
        for (long[] g : growths) {
          if (g[0] <= since) {
            prev = g[0];
            continue;
          }
          if (prev >= 0) {
            longest = Math.max(longest, g[0] - prev);
          }
          prev = g[0];
        }
        return longest;
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(5000);
    }
  }
}
