package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.run.Daemon;
import org.stargzstore.daemon.run.RegistryClients;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.fs.fuse.kernel.InProcessKeeper;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;

/**
 * A podman 4.3.1 container reads a lazily pulled file in a loop, checking its digest, while the
 * daemon (kernel backend, {@code [fuse] takeover}, an in-JVM descriptor keeper) is stopped and
 * started again: every iteration (each opens the file and execs {@code sha256sum}, so each
 * reaches the daemon) gives the right digest and the container exits 0; the longest time with
 * no new digest is the pause the container saw.
 */
@IntegrationTest
class PodmanTakeoverTest {
  private static final int ROUNDS = 300;
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir Path tmp;
  private final InProcessKeeper keeper = new InProcessKeeper();
  private final List<AutoCloseable> open = new ArrayList<>();
  private PodmanSandbox podman;

  /** podman first (it removes its images through the daemon), then the daemons, the keeper. */
  @AfterEach
  void cleanUp() throws Exception {
    if (podman != null) {
      podman.close();
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    keeper.close();
    Path mnt = tmp.resolve("mnt");
    if (FuseMount.isMounted(mnt)) {
      FuseMount.unmount(mnt);
    }
  }

  private Daemon start(DaemonConfig cfg) throws IOException {
    RegistryClient client = RegistryClients.create(cfg);
    open.add(client::close);
    Daemon d = Daemon.start(cfg, tmp.resolve("mnt"),
        new RegistryImageSource(client, cfg.readTimeout()), org.stargzstore.zstdchunked
            .LayerFormats.all(), (r, u, p, t) -> { }, keeper);
    open.add(d);
    return d;
  }

  @Test
  @Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aContainerReadingInALoopSeesOnlyAPauseWhileTheDaemonRestarts() throws Exception {
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 4);
    ImagePusher.pushimg(REGISTRY, "takeover/estargz:1", "estargz", List.of(base, data),
        "--chunk", "65536");
    String image = REGISTRY.hostPort() + "/takeover/estargz:1";
    String want = ExternalTools.run(List.of("bash", "-c", "tar -xOf " + data
        + " data/big.bin | sha256sum"), 60).requireSuccess().output().split(" ")[0];
    Path mnt = tmp.resolve("mnt");
    podman = PodmanSandbox.create(mnt, List.of(REGISTRY.hostPort()));
    Path conf = tmp.resolve("config.toml");
    Files.writeString(conf, "[store]\nroot = \"" + tmp.resolve("root") + "\"\nfsync = false\n"
        + "[fetch]\nbackground = false\nprefetch = false\n"
        + "[fuse]\nbackend = \"kernel\"\ntakeover = true\n"
        + "[registry]\nregistries_conf = \"" + podman.dir().resolve("registries.conf") + "\"\n");
    DaemonConfig cfg = DaemonConfig.load(conf, true);
    Daemon a = start(cfg);
    Path out = Files.createDirectories(tmp.resolve("out"));
    Path sums = out.resolve("sums");
    CompletableFuture<ExternalTools.Result> container = CompletableFuture.supplyAsync(() -> {
      try {
        return podman.podman(600, "run", "--rm", "--network", "none", "--runtime",
            PodmanSandbox.runtime().toString(), "-v", out + ":/out", image, "/bin/sh", "-c",
            "i=0; while [ $i -lt " + ROUNDS + " ]; do sha256sum /data/big.bin >> /out/sums"
            + " || exit 3; i=$((i+1)); sleep 0.02; done");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    while (lines(sums) < 20) {
      assertTrue(!container.isDone(), () -> "the container ended early: "
          + container.join().output());
      Thread.sleep(20);
    }
    // a watcher, from before the stop until 20 digests after the start: the longest time
    // with no new digest
    int linesAtStop = lines(sums);
    java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic
        .AtomicBoolean();
    CompletableFuture<Long> longestGap = CompletableFuture.supplyAsync(() -> {
      long longest = 0;
      long last = System.nanoTime();
      int seen = linesAtStop;
      int seenAtStart = -1;
      try {
        while (!container.isDone()) {
          int n = lines(sums);
          long now = System.nanoTime();
          if (n > seen) {
            longest = Math.max(longest, now - last);
            last = now;
            seen = n;
          }
          if (started.get() && seenAtStart < 0) {
            seenAtStart = n;
          }
          if (seenAtStart >= 0 && n >= seenAtStart + 20) {
            break;
          }
          Thread.sleep(5);
        }
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return Math.max(longest, System.nanoTime() - last);
    });
    long t0 = System.nanoTime();
    a.close(); // what SIGTERM does with takeover: the connection is handed over
    open.remove(a);
    start(cfg);
    started.set(true);
    long ready = System.nanoTime();
    long longest = longestGap.get(300, TimeUnit.SECONDS);
    ExternalTools.Result r = container.get(600, TimeUnit.SECONDS);
    System.out.println("PODMAN-TAKEOVER stop+start " + (ready - t0) / 1_000_000
        + " ms, longest time without a new digest in the container after the stop "
        + longest / 1_000_000 + " ms");
    assertEquals(0, r.exitCode(), "the container failed:\n" + r.output());
    List<String> got = Files.readAllLines(sums);
    assertEquals(ROUNDS, got.size(), "digests written");
    for (String line : got) {
      assertEquals(want + "  /data/big.bin", line);
    }
  }

  private static int lines(Path f) throws IOException {
    if (!Files.exists(f)) {
      return 0;
    }
    return (int) Files.readAllLines(f).size();
  }
}
