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
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;

/**
 * podman 4.3.1 runs an eStargz image through the daemon mounted with {@code [fuse] backend =
 * "libfuse"}, the backend that is not the default: overlay over our layers (whiteouts, opaque
 * dirs), a lazily read 24 MiB file with exact bytes, through the real registry. The cases
 * {@link PodmanEndToEndTest} runs on the default (kernel) backend, cut to one image so it stays
 * cheap.
 */
@IntegrationTest
class PodmanLibfuseTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir static Path tmp;
  static PodmanWithDaemon env;

  @BeforeAll
  static void setUp() throws Exception {
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 24);
    ImagePusher.pushimg(REGISTRY, "e2e/estargz:1", "estargz", List.of(base, data),
        "--chunk", "65536");
    env = PodmanWithDaemon.start(REGISTRY, tmp,
        "[fetch]\nbackground = false\nprefetch = false\n[fuse]\nbackend = \"libfuse\"\n");
  }

  @AfterAll
  static void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void anEstargzImageRunsLazilyThroughLibfuse() throws IOException {
    assertEquals(MountOptions.Backend.LIBFUSE, env.config().fuseBackend());
    assertTrue(Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("fuse-kernel")), "a kernel FUSE worker runs");
    String img = REGISTRY.hostPort() + "/e2e/estargz:1";
    assertTrue(run(img, "/bin/cat", "/data/hello.txt")
        .contains("hello from a lazily pulled layer"));
    assertTrue(run(img, "/bin/sh", "-c", "test ! -e /etc/removed-later && echo whiteout-applied")
        .contains("whiteout-applied"));
    String sum = run(img, "/bin/sha256sum", "/data/big.bin");
    String want = ExternalTools.run(List.of("bash", "-c", "tar -xOf " + tmp.resolve("data.tar")
        + " data/big.bin | sha256sum"), 60).requireSuccess().output().split(" ")[0];
    assertTrue(sum.contains(want + "  /data/big.bin"), sum + " vs " + want);
    JsonNode layer = env.layerStatus(img, 1);
    assertTrue(layer.path("lazy").asBoolean(), layer.toString());
  }

  private static String run(String image, String... cmd) throws IOException {
    ExternalTools.Result r = env.podman().run(image, cmd);
    assertEquals(0, r.exitCode(), "podman run " + image + " failed:\n" + r.output());
    return r.output();
  }
}
