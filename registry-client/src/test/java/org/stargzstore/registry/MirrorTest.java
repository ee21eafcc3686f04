package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.registry.errors.RegistryBlockedException;
import org.stargzstore.registry.errors.RegistryNotFoundException;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;

/**
 * registries.conf in action against real registries: mirrors tried in order before the
 * registry (a plain mirror and a pull-through cache), fallback when a mirror lacks the image or
 * is down, blob reads failing over to the next source, location rewrites, blocked registries,
 * and short names.
 */
@IntegrationTest
class MirrorTest {
  private static Path work;
  private static RegistryServer primary;
  private static RegistryServer mirror;
  private static RegistryServer cache;
  private static final byte[] ON_MIRROR = TestImages.random(50_000, 51);
  private static final byte[] ON_PRIMARY = TestImages.random(60_000, 52);
  private static final byte[] ON_BOTH = TestImages.random(70_000, 53);

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("srs-mirror-");
    primary = RegistryServer.builder().build();
    primary.start();
    mirror = RegistryServer.builder().build();
    mirror.start();
    cache = RegistryServer.builder().pullThroughCacheOf(primary.baseUri()).build();
    cache.start();
    try (RegistryClient c = TestSetup.insecureClient(work, primary.hostPort(),
        mirror.hostPort())) {
      // the same repository name on both: what the mirror has is what a mirror would serve
      TestImages.push(c, at(mirror, "team/app:mirror-only"), ON_MIRROR);
      TestImages.push(c, at(primary, "team/app:primary-only"), ON_PRIMARY);
      TestImages.push(c, at(primary, "team/app:both"), ON_BOTH);
      TestImages.push(c, at(mirror, "team/app:both"), ON_BOTH);
      TestImages.push(c, at(primary, "internal/team/app:1"), ON_PRIMARY);
      TestImages.push(c, at(primary, "shortapp:1"), ON_PRIMARY);
    }
  }

  @AfterAll
  static void stop() {
    cache.stop();
    mirror.stop();
    primary.stop();
    TempDirs.deleteRecursively(work);
  }

  private static ImageReference at(RegistryServer r, String s) {
    return ImageReference.parse(r.hostPort() + "/" + s);
  }

  private RegistryClient client(String toml) throws Exception {
    Path conf = dir.resolve("registries.conf");
    Files.writeString(conf, toml, StandardCharsets.UTF_8);
    return RegistryClient.create(TestSetup.config(dir, conf).build());
  }

  private String mirrored(String... mirrors) {
    StringBuilder sb = new StringBuilder("[[registry]]\nlocation = \"" + primary.hostPort()
        + "\"\ninsecure = true\n");
    for (String m : mirrors) {
      sb.append("[[registry.mirror]]\nlocation = \"").append(m).append("\"\ninsecure = true\n");
    }
    return sb.toString();
  }

  private static void assertLayer(RegistryClient c, ResolvedImage img, byte[] expected)
      throws Exception {
    assertArrayEquals(Arrays.copyOfRange(expected, 1000, 1100),
        c.blob(img, img.layers().get(0)).read(1000, 100));
  }

  @Test
  void mirrorServesWhatItHas() throws Exception {
    try (RegistryClient c = client(mirrored(mirror.hostPort()))) {
      ResolvedImage img = c.resolve(at(primary, "team/app:mirror-only"));
      assertEquals(mirror.hostPort(), img.source().registry());
      assertEquals(at(primary, "team/app:mirror-only"), img.reference());
      assertLayer(c, img, ON_MIRROR);
    }
  }

  @Test
  void registryServesWhatTheMirrorLacks() throws Exception {
    try (RegistryClient c = client(mirrored(mirror.hostPort()))) {
      ResolvedImage img = c.resolve(at(primary, "team/app:primary-only"));
      assertEquals(primary.hostPort(), img.source().registry());
      assertLayer(c, img, ON_PRIMARY);
    }
  }

  @Test
  void mirrorThatIsDownIsSkipped() throws Exception {
    String down = "127.0.0.1:" + RegistryServer.freePort();
    try (RegistryClient c = client(mirrored(down, mirror.hostPort()))) {
      ResolvedImage img = c.resolve(at(primary, "team/app:mirror-only"));
      assertEquals(mirror.hostPort(), img.source().registry());
    }
  }

  @Test
  void insecureRegistryThatIsDownSaysSoForBothSchemes(@TempDir Path dir) throws Exception {
    String down = "127.0.0.1:" + RegistryServer.freePort();
    try (RegistryClient c = TestSetup.insecureClient(dir, down)) {
      org.stargzstore.registry.errors.RegistryNetworkException e = assertThrows(
          org.stargzstore.registry.errors.RegistryNetworkException.class,
          () -> c.resolve(ImageReference.parse(down + "/team/app:1")));
      assertTrue(e.getMessage().contains("registry " + down + " over HTTPS ("),
          e.getMessage());
      assertTrue(e.getMessage().contains(") and plain HTTP: "), e.getMessage());
    }
  }

  @Test
  void notFoundAnywhereListsEverySource() throws Exception {
    try (RegistryClient c = client(mirrored(mirror.hostPort()))) {
      RegistryNotFoundException e = assertThrows(RegistryNotFoundException.class,
          () -> c.resolve(at(primary, "team/app:nowhere")));
      assertTrue(e.getMessage().contains("mirror " + mirror.hostPort()), e.getMessage());
      assertTrue(e.getMessage().contains("; " + primary.hostPort() + " (insecure): pulling"),
          e.getMessage());
    }
  }

  @Test
  void pullThroughCacheAsMirror() throws Exception {
    try (RegistryClient c = client(mirrored(cache.hostPort()))) {
      ResolvedImage img = c.resolve(at(primary, "team/app:primary-only"));
      assertEquals(cache.hostPort(), img.source().registry());
      assertLayer(c, img, ON_PRIMARY);
    }
    assertTrue(Files.readString(cache.logFile()).contains("GET /v2/team/app/manifests/primary-only"));
  }

  @Test
  void blobReadsFailOverWhenTheMirrorGoesAway() throws Exception {
    RegistryServer shortLived = RegistryServer.builder().build();
    shortLived.start();
    try {
      try (RegistryClient c = TestSetup.insecureClient(dir.resolve("push"),
          shortLived.hostPort())) {
        TestImages.push(c, at(shortLived, "team/app:both"), ON_BOTH);
      }
      try (RegistryClient c = client(mirrored(shortLived.hostPort()))) {
        ResolvedImage img = c.resolve(at(primary, "team/app:both"));
        assertEquals(shortLived.hostPort(), img.source().registry());
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        assertArrayEquals(Arrays.copyOfRange(ON_BOTH, 0, 10), blob.read(0, 10));
        shortLived.stop();
        assertArrayEquals(Arrays.copyOfRange(ON_BOTH, 500, 600), blob.read(500, 100));
      }
    } finally {
      shortLived.stop();
    }
  }

  @Test
  void locationRewrite() throws Exception {
    try (RegistryClient c = client("[[registry]]\nprefix = \"example.test/team\"\nlocation = \""
        + primary.hostPort() + "/internal/team\"\ninsecure = true\n")) {
      ResolvedImage img = c.resolve(ImageReference.parse("example.test/team/app:1"));
      assertEquals(at(primary, "internal/team/app:1"), img.source());
      assertLayer(c, img, ON_PRIMARY);
    }
  }

  @Test
  void blockedRegistryIsRefusedWithoutAnyRequest() throws Exception {
    try (RegistryClient c = client(mirrored() + "[[registry]]\nprefix = \"" + primary.hostPort()
        + "/team\"\nlocation = \"" + primary.hostPort() + "/team\"\nblocked = true\n")) {
      RegistryBlockedException e = assertThrows(RegistryBlockedException.class,
          () -> c.resolve(at(primary, "team/app:both")));
      assertTrue(e.getMessage().contains("blocked"), e.getMessage());
      assertEquals(0, c.stats().requests());
      // the rest of the registry is not blocked
      assertThrows(RegistryNotFoundException.class,
          () -> c.resolve(at(primary, "other/app:1")));
    }
  }

  @Test
  void shortNamesMeanDockerHubUnlessSearchIsTurnedOn() throws Exception {
    String conf = "unqualified-search-registries = [\"" + primary.hostPort() + "\"]\n"
        + mirrored();
    try (RegistryClient c = client(conf)) {
      assertEquals(List.of(ImageReference.parse("docker.io/library/shortapp:1")),
          c.candidates("shortapp:1"));
    }
    Path f = dir.resolve("registries.conf");
    try (RegistryClient c = RegistryClient.create(TestSetup.config(dir, f)
        .searchShortNames(true).build())) {
      assertEquals(List.of(at(primary, "shortapp:1")), c.candidates("shortapp:1"));
      ResolvedImage img = c.resolve("shortapp:1");
      // library/ is Docker Hub's convention only: other search registries get the bare name
      assertEquals(at(primary, "shortapp:1"), img.reference());
      // fully qualified input is never searched
      assertEquals(List.of(ImageReference.parse("quay.io/x/y:1")), c.candidates("quay.io/x/y:1"));
    }
  }
}
