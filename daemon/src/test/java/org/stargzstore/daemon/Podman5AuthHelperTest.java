package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Podman5Root;
import org.stargzstore.testkit.Podman5Sandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.testkit.TestLayers;

/**
 * podman 5.4 (from a debootstrapped trixie root) pulls lazily through the daemon (a process of
 * its own, the real {@code Main}) from a registry with htpasswd auth whose credentials only podman
 * has: its own auth.json, handed over at pull time by the shell auth helper
 * ({@code bin/stargz-registry-storage-auth-helper}, a symlink on podman's PATH) named in
 * registries.conf. The container reads its files lazily. Without the helper the daemon cannot
 * read the image, says why, and podman pulls it the normal way.
 */
@IntegrationTest
class Podman5AuthHelperTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "p5-puller";
  private static final String PASSWORD = "p5-Secret-only-podman-knows";
  private static final String HELPER = "stargz-registry-storage-auth-helper";
  private static final int BIG_MIB = 24;

  @RegisterExtension static final RegistryServer REGISTRY =
      RegistryServer.builder().htpasswd(USER, PASSWORD).build();
  static Podman5Root root;
  static Path work;
  static Path mnt;
  static Path controlSocket;
  static DaemonProcess daemon;

  static String image(String repo) {
    return REGISTRY.hostPort() + "/" + repo + ":1";
  }

  @BeforeAll
  static void setUp() throws Exception {
    Optional<String> unavailable = Podman5Root.unavailableReason();
    assumeTrue(unavailable.isEmpty(), () -> unavailable.orElseThrow());
    root = Podman5Root.open();
    work = root.newWorkDir();
    String version = ExternalTools.run(List.of("/usr/sbin/chroot", root.path().toString(),
        "podman", "--version"), 60).requireSuccess().output();
    assertTrue(version.contains("podman version 5."), version);
    publish(List.of("p5/with-helper", "p5/without-helper"));

    mnt = Files.createDirectories(work.resolve("mnt"));
    Path srsRoot = work.resolve("srs");
    controlSocket = srsRoot.resolve("control.sock");
    Path registriesConf = work.resolve("daemon-registries.conf");
    Files.writeString(registriesConf, "[[registry]]\nlocation = \"" + REGISTRY.hostPort()
        + "\"\ninsecure = true\n");
    // the daemon's own auth file is empty: the credentials are podman's only
    Path noAuth = work.resolve("daemon-auth.json");
    Files.writeString(noAuth, "{\"auths\":{}}\n");
    Path config = work.resolve("config.toml");
    Files.writeString(config, "[store]\nroot = \"" + srsRoot + "\"\n"
        + "[fetch]\nbackground = false\nprefetch = false\n"
        + "[registry]\nregistries_conf = \"" + registriesConf + "\"\n"
        + "registries_conf_dir = \"" + work.resolve("no-registries.d") + "\"\n"
        + "auth_file = \"" + noAuth + "\"\n");
    daemon = DaemonProcess.start(config, mnt, work.resolve("daemon.log"), controlSocket);
  }

  /** Pushes a podman 5 zstd:chunked image of the test rootfs to each repository, with auth. */
  private static void publish(List<String> repos) throws IOException {
    try (Podman5Sandbox pusher = Podman5Sandbox.builder(root)
        .insecure(List.of(REGISTRY.hostPort())).create()) {
      Path rootfs = TestLayers.flatRootfs(pusher.dir().resolve("rootfs.tar"), BIG_MIB);
      pusher.ok("import", "-q", pusher.inside(rootfs), "localhost/p5-src:1");
      for (String repo : repos) {
        pusher.ok("push", "-q", "--creds", USER + ":" + PASSWORD, "--compression-format",
            "zstd:chunked", "localhost/p5-src:1", "docker://" + image(repo));
      }
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    try {
      if (daemon != null) {
        daemon.close();
      }
      TempDirs.deleteRecursively(work);
    } finally {
      if (root != null) {
        root.close();
      }
    }
  }

  /** A sandbox logged in to the registry (its own auth.json), the layer store configured. */
  private static Podman5Sandbox podman(boolean withHelper) throws IOException {
    Podman5Sandbox.Builder b = Podman5Sandbox.builder(root).layerStore(mnt)
        .insecure(List.of(REGISTRY.hostPort()));
    if (withHelper) {
      b.authHelper(HELPER).env("SRS_CONTROL_SOCKET", root.inside(controlSocket));
    }
    Podman5Sandbox p = b.create();
    if (withHelper) {
      // installed as on a node: a copy of the file, and the name on PATH a symlink to it
      Path libexec = Files.createDirectories(p.dir().resolve("libexec"));
      Files.copy(Shared.projectRoot().resolve("bin").resolve(HELPER), libexec.resolve(HELPER));
      Files.createSymbolicLink(p.bin().resolve(HELPER), Path.of("../libexec", HELPER));
    }
    p.ok("login", "-u", USER, "-p", PASSWORD, REGISTRY.hostPort());
    return p;
  }

  private static JsonNode status() throws IOException {
    return ControlServer.call(controlSocket, JSON.createObjectNode().put("op", "status"));
  }

  private static Optional<JsonNode> imageStatus(String image) throws IOException {
    for (JsonNode img : status().path("images")) {
      if (img.path("reference").asText().equals(image)) {
        return Optional.of(img);
      }
    }
    return Optional.empty();
  }

  @Test
  void podman5HandsItsCredentialsOverAndTheContainerReadsLazily() throws Exception {
    String img = image("p5/with-helper");
    try (Podman5Sandbox p = podman(true)) {
      ExternalTools.Result r = p.run(img, "/bin/cat", "/data/hello.txt");
      assertEquals(0, r.exitCode(), r.output() + "\n--- daemon log:\n" + daemon.logTail());
      assertTrue(r.output().contains("hello from a lazily pulled layer"), r.output());
      assertFalse(r.output().contains("Failed to call additional-layer-store-auth-helper"),
          r.output());
      JsonNode image = imageStatus(img).orElseThrow(() -> new AssertionError(
          "the daemon did not serve " + img + ":\n" + daemon.logTail()));
      JsonNode layer = image.path("layers").get(0);
      assertTrue(layer.path("lazy").asBoolean(), layer.toString());
      assertTrue(layer.path("format").asText().contains("containers/storage"), layer.toString());
      long fetched = layer.path("bytesFetched").asLong();
      long size = layer.path("size").asLong();
      assertTrue(fetched > 0 && fetched < size / 2, "fetched " + fetched + " of " + size);
      assertTrue(layer.path("references").asInt() >= 1, layer.toString());
      String log = daemon.log();
      assertTrue(log.contains("received credentials for 1 image reference(s)"), log);
      assertFalse(log.contains(PASSWORD), "the password is in the daemon's log");
    }
  }

  @Test
  void withoutTheHelperTheDaemonCannotReadTheImageAndPodmanPullsItNormally() throws Exception {
    String img = image("p5/without-helper");
    try (Podman5Sandbox p = podman(false)) {
      ExternalTools.Result r = p.run(img, "/bin/cat", "/data/hello.txt");
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(r.output().contains("hello from a lazily pulled layer"), r.output());
      assertTrue(imageStatus(img).isEmpty(), status().toString());
      assertTrue(status().path("fallbacks").path("registry-unauthorized").asLong() > 0,
          status().toString());
      String log = daemon.log();
      assertTrue(log.contains("cannot resolve " + img + ": unauthorized"), log);
      assertTrue(log.contains("(podman pulls it normally)"), log);
    }
  }
}
