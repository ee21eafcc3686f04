package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.run.Daemon;
import org.stargzstore.daemon.run.RegistryClients;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.fs.fuse.kernel.InProcessKeeper;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * The daemon stopped and started again with {@code [fuse] takeover} on (kernel backend, an
 * in-JVM descriptor keeper): the second daemon serves the first one's connection with no new
 * mount, from the store (image resolution, layer records), with the same inode numbers for the
 * same paths; a reader of layer files and of a layer's {@code info} (read afresh at each open,
 * so each read reaches the daemon) sees no error and no wrong byte, only a pause.
 */
@IntegrationTest
class DaemonTakeoverTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir Path tmp;
  private final InProcessKeeper keeper = new InProcessKeeper();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    keeper.close(); // the last descriptor: the connection ends
    Path mnt = tmp.resolve("mnt");
    if (FuseMount.isMounted(mnt)) {
      FuseMount.unmount(mnt);
    }
  }

  private Daemon start(DaemonConfig cfg) throws IOException {
    RegistryClient client = RegistryClients.create(cfg);
    open.add(client::close);
    Daemon d = Daemon.start(cfg, tmp.resolve("mnt"),
        new RegistryImageSource(client, cfg.readTimeout()), LayerFormats.all(),
        (r, u, p, t) -> { }, keeper);
    open.add(d);
    return d;
  }

  private static long ino(Path p) throws IOException {
    return (Long) Files.getAttribute(p, "unix:ino");
  }

  private static long treeIno(FsNode root, String... names) throws Exception {
    FsNode n = root;
    for (String name : names) {
      n = n.lookup(name);
    }
    return n.stat().ino();
  }

  @Test
  @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aRestartedDaemonServesTheSameMountWithoutBreakingAReader() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "takeover/edge", "1");
    String reference = REGISTRY.hostPort() + "/takeover/edge:1";
    Path registries = tmp.resolve("registries.conf");
    Files.writeString(registries, "[[registry]]\nlocation = \"" + REGISTRY.hostPort()
        + "\"\ninsecure = true\n");
    Path conf = tmp.resolve("config.toml");
    Files.writeString(conf, "[store]\nroot = \"" + tmp.resolve("root") + "\"\nfsync = false\n"
        + "[fetch]\nprefetch = false\nprefetch_entrypoint = false\nbackground = false\n"
        + "[fuse]\nbackend = \"kernel\"\ntakeover = true\n"
        + "[registry]\nregistries_conf = \"" + registries + "\"\n");
    DaemonConfig cfg = DaemonConfig.load(conf, true);
    assertTrue(cfg.fuseTakeover(), "takeover is not on by default with the kernel backend");
    Path mnt = tmp.resolve("mnt");
    String dirName = ImageDirectoryName.encode(reference);
    Path layerDir = mnt.resolve(dirName).resolve(layer);
    Path diff = layerDir.resolve("diff");

    Daemon a = start(cfg);
    String device = ExternalTools.run(List.of("stat", "-c", "%d", mnt.toString()), 30)
        .requireSuccess().output();
    byte[] small = EdgeImage.member("bin/rand-4096");
    byte[] big = EdgeImage.member("bin/rand-3145745");
    assertArrayEquals(small, Files.readAllBytes(diff.resolve("bin/rand-4096")));
    byte[] info = Files.readAllBytes(layerDir.resolve("info"));
    String listing = ExternalTools.run(List.of("ls", "-li", diff.resolve("bin").toString()), 30)
        .requireSuccess().output();
    long[] inos = {ino(mnt.resolve(dirName)), ino(layerDir), ino(diff.resolve("bin/rand-4096")),
        ino(diff.resolve("bin/rand-1048576"))};

    List<String> errors = new ArrayList<>();
    AtomicLong reads = new AtomicLong();
    AtomicLong maxGap = new AtomicLong();
    Thread reader = new Thread(() -> {
      long last = System.nanoTime();
      while (!Thread.currentThread().isInterrupted()) {
        try {
          if (!Arrays.equals(info, Files.readAllBytes(layerDir.resolve("info")))
              || !Arrays.equals(small, Files.readAllBytes(diff.resolve("bin/rand-4096")))) {
            synchronized (errors) {
              errors.add("wrong bytes");
            }
          }
        } catch (IOException e) {
          synchronized (errors) {
            errors.add(e.toString());
          }
        }
        long now = System.nanoTime();
        maxGap.accumulateAndGet(now - last, Math::max);
        last = now;
        reads.incrementAndGet();
      }
    }, "takeover-reader");
    reader.setDaemon(true);
    reader.start();
    while (reads.get() < 20) {
      Thread.sleep(5);
    }

    long t0 = System.nanoTime();
    a.close(); // what SIGTERM does: with takeover, the connection is handed over, not unmounted
    open.remove(a);
    long stopped = System.nanoTime();
    assertTrue(FuseMount.isMounted(mnt), "the stopped daemon unmounted");
    Daemon b = start(cfg);
    long started = System.nanoTime();
    long readsAtStart = reads.get();
    while (reads.get() < readsAtStart + 20) {
      Thread.sleep(5);
    }
    reader.interrupt();
    reader.join(30_000);
    System.out.println("DAEMON-TAKEOVER stop " + (stopped - t0) / 1_000_000 + " ms, start "
        + (started - stopped) / 1_000_000 + " ms, longest gap between two reads "
        + maxGap.get() / 1_000_000 + " ms");
    assertEquals(List.of(), errors, "what the reader saw");

    assertEquals(device, ExternalTools.run(List.of("stat", "-c", "%d", mnt.toString()), 30)
        .requireSuccess().output(), "a new mount was made");
    // the second daemon's tree numbers the same paths the same (from the names, not the order)
    FsNode root = b.layerStore().root();
    assertEquals(inos[0], treeIno(root, dirName));
    assertEquals(inos[1], treeIno(root, dirName, layer));
    assertEquals(inos[2], treeIno(root, dirName, layer, "diff", "bin", "rand-4096"));
    assertEquals(inos[3], treeIno(root, dirName, layer, "diff", "bin", "rand-1048576"));
    // a listing under node ids of the first daemon, and a file never read before the switch
    assertEquals(listing, ExternalTools.run(List.of("ls", "-li", diff.resolve("bin").toString()),
        30).requireSuccess().output());
    assertArrayEquals(big, Files.readAllBytes(diff.resolve("bin/rand-3145745")));
    assertTrue(b.status().path("images").toString().contains(reference), b.status().toString());
  }
}
