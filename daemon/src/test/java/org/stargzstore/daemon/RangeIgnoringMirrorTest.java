package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * bytes), and every file reads back exactly; through the real daemon and FUSE mount.
 */
@IntegrationTest
class RangeIgnoringMirrorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final RegistryServer ORIGIN = RegistryServer.builder().build();
  @TempDir Path tmp;

  @Test
  void aNodeBehindARangeIgnoringPullThroughCacheReceivesEachLayerOnce() throws Exception {
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 8);
    String pushed = ImagePusher.pushimg(ORIGIN, "spool/estargz:1", "estargz",
        List.of(base, data), "--chunk", "65536");
    List<String> layers = new ArrayList<>();
    long layerBytes = 0;
    for (String line : pushed.split("\n")) {
      if (line.contains("\"layer\"")) {
        JsonNode l = JSON.readTree(line);
        layers.add(l.get("digest").asText());
        layerBytes += l.get("size").asLong();
      }
    }
    RegistryServer cache = RegistryServer.builder().pullThroughCacheOf(ORIGIN.baseUri())
        .build();
    cache.start();
    // a proxy without faults in front of the cache, to see what it answered
    try (FaultProxy watch = FaultProxy.start(cache.baseUri())) {
      Path registries = tmp.resolve("registries.conf");
      Files.writeString(registries, "[[registry]]\nlocation = \"" + ORIGIN.hostPort()
          + "\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"" + watch.hostPort()
          + "\"\ninsecure = true\n");
      try (InJvmDaemon d = InJvmDaemon.start(tmp.resolve("daemon"), tmp.resolve("mnt"),
          registries, "")) {
        Path image = d.mountPoint().resolve(ImageDirectoryName.encode(ORIGIN.hostPort()
            + "/spool/estargz:1"));
        List<Map<String, String>> want = List.of(KillLoopTest.sha256ByPath(List.of(base)),
            KillLoopTest.sha256ByPath(List.of(data)));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
          List<Future<?>> reads = new ArrayList<>();
          for (int i = 0; i < 2; i++) {
            Path diff = image.resolve(layers.get(i)).resolve("diff");
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
