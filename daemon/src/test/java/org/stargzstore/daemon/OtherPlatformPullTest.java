package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.store.References;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Podman5Root;
import org.stargzstore.testkit.Podman5Sandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;

/**
 * {@code podman pull --arch arm64} of a two-platform image through a daemon on linux/amd64:
 * podman asks under the index's tag for the arm64 layers (by blob digest on 4.3.1, by TOC digest
 * on 5.4); the daemon serves them lazily from the arm64 image of the index, so the status report
 * lists that platform with its layers lazy and referenced, and podman stores the image with the
 * arm64 config's DiffIDs. A foreign-arch image is only pulled, not run.
 */
@IntegrationTest
class OtherPlatformPullTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir static Path tmp;
  static Podman5Root root;
  static Path work;
  static PodmanWithDaemon env;

  @BeforeAll
  static void setUp() throws Exception {
    EdgeImage.pushTwoPlatforms(REGISTRY.baseUri(), "multi/p4", "1");
    EdgeImage.pushTwoPlatforms(REGISTRY.baseUri(), "multi/p5", "1");
    // inside the podman 5 root if there is one, so that both podman versions see the mount
    work = tmp;
    if (Podman5Root.unavailableReason().isEmpty()) {
      root = Podman5Root.open();
      work = root.newWorkDir();
    }
    env = PodmanWithDaemon.start(REGISTRY, work, "[fetch]\nbackground = false\nprefetch = false\n");
  }

  @AfterAll
  static void tearDown() throws IOException {
    try {
      if (env != null) {
        env.close();
      }
    } finally {
      if (root != null) {
        TempDirs.deleteRecursively(work);
        root.close();
      }
    }
  }

  @Test
  void podman431PullsTheArm64ImageLazily() throws Exception {
    String ref = REGISTRY.hostPort() + "/multi/p4:1";
    env.podman().ok("pull", "-q", "--arch", "arm64", ref);
    assertArm64StoredAndServed(ref, env.podman().ok("image", "inspect", "--format",
        "{{.Architecture}} {{json .RootFS.Layers}}", ref));
  }

  @Test
  void podman54PullsTheArm64ImageLazily() throws Exception {
    assumeTrue(root != null, () -> Podman5Root.unavailableReason().orElse(""));
    String ref = REGISTRY.hostPort() + "/multi/p5:1";
    try (Podman5Sandbox p = Podman5Sandbox.builder(root).layerStore(env.mountPoint())
        .insecure(List.of(REGISTRY.hostPort())).create()) {
      p.ok("pull", "-q", "--arch", "arm64", ref);
      assertArm64StoredAndServed(ref, p.ok("image", "inspect", "--format",
          "{{.Architecture}} {{json .RootFS.Layers}}", ref));
    }
  }

  private static void assertArm64StoredAndServed(String ref, String inspected) throws Exception {
    String estargz = EdgeImage.facts("estargz").get("diffID").asText();
    String zstd = EdgeImage.facts("zstd-stargz").get("diffID").asText();
    assertEquals("arm64 [\"" + estargz + "\",\"" + zstd + "\"]", inspected.trim());

    JsonNode image = arm64Status(ref).orElseThrow(() -> new AssertionError(
        "the daemon did not serve the arm64 image of " + ref + ": "
            + env.daemon().status()));
    JsonNode layers = image.path("layers");
    assertEquals(2, layers.size(), image.toString());
    for (JsonNode l : layers) {
      assertTrue(l.path("lazy").asBoolean(), l.toString());
      References.LayerRefs refs = env.daemon().layerStore().references().snapshot()
          .get(Digest.parse(l.path("digest").asText()));
      assertTrue(refs != null && refs.counts().getOrDefault(ref, 0) >= 1,
          "podman holds no reference on " + l + " under " + ref + ": " + refs);
    }
    assertEquals(0, env.daemon().status().path("fallbacks")
        .path("other-platform").asLong());
  }

  private static Optional<JsonNode> arm64Status(String ref) {
    for (JsonNode img : env.daemon().status().path("images")) {
      if (img.path("reference").asText().equals(ref)
          && img.path("platform").asText().equals("linux/arm64")) {
        return Optional.of(img);
      }
    }
    return Optional.empty();
  }
}
