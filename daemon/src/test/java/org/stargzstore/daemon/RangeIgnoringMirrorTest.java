package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;

/**
 * Issue 17: a node reading an eStargz image through a pull-through cache (the real registry in
 * proxy mode, a {@code [[registry.mirror]]} in registries.conf) that answers range requests with
 * whole blobs until it holds them receives each layer once (at most 1.05x the image's layer
 * bytes), and every file reads back exactly; with the default policy (wait for the cache) the
 * origin sends each layer about once too; through the real daemon and FUSE mount.
 */
@IntegrationTest
class RangeIgnoringMirrorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final RegistryServer ORIGIN = RegistryServer.builder().build();
  @TempDir Path tmp;

  /** The pushed image: its layer digests and their total size. */
  private record Pushed(List<Path> tars, List<String> layers, long layerBytes) {}

  private Pushed push(String name) throws Exception {
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 8);
    String pushed = ImagePusher.pushimg(ORIGIN, name, "estargz", List.of(base, data), "--chunk",
        "65536");
    List<String> layers = new ArrayList<>();
    long layerBytes = 0;
    for (String line : pushed.split("\n")) {
      if (line.contains("\"layer\"")) {
        JsonNode l = JSON.readTree(line);
        layers.add(l.get("digest").asText());
        layerBytes += l.get("size").asLong();
      }
    }
    return new Pushed(List.of(base, data), layers, layerBytes);
  }

  private Path registriesConf(String registry, String mirror) throws Exception {
    Path registries = tmp.resolve("registries.conf");
    Files.writeString(registries, "[[registry]]\nlocation = \"" + registry
        + "\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"" + mirror
        + "\"\ninsecure = true\n");
    return registries;
  }

  /** Reads every file of both layers through the mount on 6 threads; each must match. */
  private static void readEveryFile(InJvmDaemon d, String image, Pushed p) throws Exception {
    Path dir = d.mountPoint().resolve(ImageDirectoryName.encode(image));
    List<Map<String, String>> want = List.of(KillLoopTest.sha256ByPath(List.of(p.tars().get(0))),
        KillLoopTest.sha256ByPath(List.of(p.tars().get(1))));
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> reads = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Path diff = dir.resolve(p.layers().get(i)).resolve("diff");
        for (Map.Entry<String, String> f : want.get(i).entrySet()) {
          reads.add(pool.submit(() -> {
            assertEquals(f.getValue(), KillLoopTest.sha256(diff.resolve(f.getKey())),
                f.getKey());
            return null;
          }));
        }
      }
      for (Future<?> f : reads) {
        f.get(); // every read right, none failed
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The default policy: the cache's whole-blob answers are closed at once and the node waits
   * until the cache holds each layer, then reads ranges from it; the origin, behind a shaped
   * link that counts what it sends, sends each layer about once (the cache's own copy).
   */
  @Test
  void aNodeWaitsForTheColdCacheSoTheOriginSendsEachLayerAboutOnce() throws Exception {
    Pushed p = push("fill/estargz:1");
    try (FaultProxy originLink = FaultProxy.start(ORIGIN.baseUri())) {
      originLink.inject(r -> r.isBlobGet() && p.layers().stream().anyMatch(l ->
          r.path().endsWith(l)), FaultProxy.slow(32 << 10, Duration.ofMillis(6)), -1);
      RegistryServer cache = RegistryServer.builder()
          .pullThroughCacheOf(originLink.baseUri()).build();
      cache.start();
      try (InJvmDaemon d = InJvmDaemon.start(tmp.resolve("daemon"), tmp.resolve("mnt"),
          registriesConf(originLink.hostPort(), cache.hostPort()), "")) {
        readEveryFile(d, originLink.hostPort() + "/fill/estargz:1", p);
        long received = d.client().stats().bytesReceived();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (originLink.bodyBytesSent() < p.layerBytes() && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        long origin = originLink.bodyBytesSent();
        System.out.printf("wait-for-cache: node received %d, origin sent %d, layers %d bytes"
            + " (%.3fx, %.3fx)%n", received, origin, p.layerBytes(),
            (double) received / p.layerBytes(), (double) origin / p.layerBytes());
        assertTrue(received <= p.layerBytes() * 1.05, "the node received " + received
            + " bytes for layers of " + p.layerBytes() + ": " + d.client().stats().snapshot());
        assertTrue(origin <= p.layerBytes() * 1.1, "the origin sent " + origin
            + " bytes for layers of " + p.layerBytes() + ": " + originLink.seen());
        assertEquals(0, d.client().stats().spools(), "nothing spooled");
        assertTrue(originLink.seen().stream().noneMatch(s -> s.range() != null),
            "no read fell back to the origin: " + originLink.seen());
      } finally {
        cache.stop();
      }
    }
  }

  /** {@code range_ignored_by_mirror = "spool"}: each whole answer is spooled once. */
  @Test
  void aNodeBehindARangeIgnoringPullThroughCacheReceivesEachLayerOnce() throws Exception {
    Pushed p = push("spool/estargz:1");
    List<String> layers = p.layers();
    long layerBytes = p.layerBytes();
    RegistryServer cache = RegistryServer.builder().pullThroughCacheOf(ORIGIN.baseUri())
        .build();
    cache.start();
    // a proxy without faults in front of the cache, to see what it answered
    try (FaultProxy watch = FaultProxy.start(cache.baseUri())) {
      try (InJvmDaemon d = InJvmDaemon.start(tmp.resolve("daemon"), tmp.resolve("mnt"),
          registriesConf(ORIGIN.hostPort(), watch.hostPort()), "",
          "range_ignored_by_mirror = \"spool\"\n")) {
        readEveryFile(d, ORIGIN.hostPort() + "/spool/estargz:1", p);
        long received = d.client().stats().bytesReceived();
        System.out.printf("received %d bytes for layers of %d bytes (%.3fx), %d spools%n",
            received, layerBytes, (double) received / layerBytes, d.client().stats().spools());
        assertTrue(received <= layerBytes * 1.05, "received " + received
            + " bytes for layers of " + layerBytes + " bytes");
        for (String layer : layers) {
          long whole = watch.seen().stream().filter(s -> s.target().endsWith(layer)
              && s.status() == 200).count();
          assertTrue(whole <= 1, layer + " was sent whole " + whole + " times: " + watch.seen());
        }
        assertTrue(d.client().stats().spools() >= 1, "the cache sent a layer whole");
      }
      assertTrue(Files.isDirectory(tmp.resolve("daemon/root/spool")));
    } finally {
      cache.stop();
    }
  }
}
