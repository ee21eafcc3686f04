package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;

/**
 * podman 4.3.1 runs containers through the daemon: the real registry process, images made by
 * independent producers (the reference eStargz / zstd:chunked writer, podman's own zstd:chunked,
 * plain gzip), storage.conf pointing at our mount. Lazy layers run without being downloaded;
 * the plain gzip image still runs (podman pulls it normally) and the daemon says why.
 */
@IntegrationTest
class PodmanEndToEndTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir static Path tmp;
  static PodmanWithDaemon env;
  static PodmanSandbox podman;
  static final int BIG_MIB = 24;

  static String image(String repo) {
    return REGISTRY.hostPort() + "/" + repo + ":1";
  }

  @BeforeAll
  static void setUp() throws Exception {
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), BIG_MIB);
    ImagePusher.pushimg(REGISTRY, "e2e/estargz:1", "estargz", List.of(base, data),
        "--chunk", "65536");
    ImagePusher.pushimg(REGISTRY, "e2e/zstd-stargz:1", "zstd-stargz", List.of(base, data));
    ImagePusher.pushimg(REGISTRY, "e2e/gzip:1", "gzip", List.of(base, data));
    ImagePusher.podmanZstdChunked(REGISTRY, "e2e/zstd-podman:1",
        TestLayers.flatRootfs(tmp.resolve("flat.tar"), BIG_MIB));
    env = PodmanWithDaemon.start(REGISTRY, tmp,
        "[fetch]\nbackground = false\nprefetch = false\n");
    podman = env.podman();
  }

  @AfterAll
  static void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  private static String run(String image, String... cmd) throws IOException {
    ExternalTools.Result r = podman.run(image, cmd);
    assertEquals(0, r.exitCode(), "podman run " + image + " failed:\n" + r.output());
    return r.output();
  }

  @Test
  void estargzImageRunsWithoutDownloadingItsBigFile() throws IOException {
    String img = image("e2e/estargz");
    assertTrue(run(img, "/bin/cat", "/data/hello.txt").contains("hello from a lazily pulled layer"));
    assertTrue(run(img, "/bin/sh", "-c", "test ! -e /etc/removed-later && echo whiteout-applied")
        .contains("whiteout-applied"));
    JsonNode data = env.layerStatus(img, 1);
    assertTrue(data.path("lazy").asBoolean(), data.toString());
    long fetched = data.path("bytesFetched").asLong();
    long size = data.path("size").asLong();
    assertTrue(fetched < size / 10, "fetched " + fetched + " of " + size + " bytes");
    // every byte is accounted to a reason; with the background off, containers asked for them
    JsonNode byReason = data.path("bytesByReason");
    long accounted = 0;
    for (var e : byReason.properties()) {
      assertTrue(List.of("demand", "read_ahead", "predicted").contains(e.getKey()),
          "background off, yet fetched for " + e.getKey() + ": " + data);
      accounted += e.getValue().asLong();
    }
    assertEquals(fetched, accounted, data.toString());
    assertTrue(byReason.path("demand").asLong() > 0, data.toString());
    JsonNode baseLayer = env.layerStatus(img, 0);
    assertTrue(baseLayer.path("lazy").asBoolean());
    assertTrue(baseLayer.path("references").asInt() >= 1, baseLayer.toString());
  }

  @Test
  void podmanPushedZstdChunkedImageRuns() throws IOException {
    String img = image("e2e/zstd-podman");
    assertTrue(run(img, "/bin/cat", "/data/hello.txt").contains("hello from a lazily pulled layer"));
    JsonNode layer = env.layerStatus(img, 0);
    assertTrue(layer.path("lazy").asBoolean(), layer.toString());
    assertTrue(layer.path("format").asText().contains("containers/storage"), layer.toString());
    assertTrue(layer.path("bytesFetched").asLong() < layer.path("size").asLong() / 2,
        layer.toString());
  }

  @Test
  void stargzFlavourZstdImageRunsAndReadsBigFileExactly() throws IOException {
    String img = image("e2e/zstd-stargz");
    String sum = run(img, "/bin/sha256sum", "/data/big.bin");
    String want = ExternalTools.run(List.of("bash", "-c", "tar -xOf " + tmp.resolve("data.tar")
        + " data/big.bin | sha256sum"), 60).requireSuccess().output().split(" ")[0];
    assertTrue(sum.contains(want + "  /data/big.bin"), sum + " vs " + want);
  }

  @Test
  void plainGzipImageStillRunsAndTheDaemonSaysWhy() throws IOException {
    String img = image("e2e/gzip");
    assertTrue(run(img, "/bin/cat", "/data/hello.txt").contains("hello from a lazily pulled"));
    JsonNode layer = env.layerStatus(img, 0);
    assertEquals(false, layer.path("lazy").asBoolean(), layer.toString());
    assertEquals("no-toc-digest", layer.path("reason").asText());
  }
}
