package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;

/**
 * The daemon as a process: SIGTERM unmounts cleanly; after SIGKILL the next daemon starts over
 * the stale mount; references podman took survive restarts, so podman's later releases (rmi)
 * are answered correctly and nothing it uses was ever unprotected.
 */
@IntegrationTest
class DaemonRestartTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir static Path tmp;
  static PodmanSandbox podman;
  static Path config;
  static Path mnt;
  static String image;

  @BeforeAll
  static void setUp() throws Exception {
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 4);
    ImagePusher.pushimg(REGISTRY, "restart/estargz:1", "estargz", List.of(base, data));
    image = REGISTRY.hostPort() + "/restart/estargz:1";
    mnt = tmp.resolve("mnt");
    podman = PodmanSandbox.create(mnt, List.of(REGISTRY.hostPort()));
    config = tmp.resolve("config.toml");
    Files.writeString(config, "[store]\nroot = \"" + tmp.resolve("root") + "\"\n"
        + "[registry]\nregistries_conf = \"" + podman.dir().resolve("registries.conf") + "\"\n");
  }

  @AfterAll
  static void tearDown() {
    if (podman != null) {
      podman.close();
    }
  }

  static JsonNode status() throws Exception {
    return ControlServer.call(tmp.resolve("root/control.sock"),
        JSON.createObjectNode().put("op", "status"));
  }

  static int referencesHeld() throws Exception {
    int n = 0;
    for (JsonNode img : status().path("images")) {
      for (JsonNode l : img.path("layers")) {
        n += l.path("references").asInt();
      }
    }
    return n;
  }

  @Test
  void killRestartAndReleaseAfterRestart() throws Exception {
    Path log = tmp.resolve("daemon.log");
    DaemonProcess d1 = DaemonProcess.start(config, mnt, log, tmp.resolve("root/control.sock"));
    try {
      ExternalTools.Result r = podman.podman(300, "pull", "-q", image);
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(referencesHeld() >= 2, "podman holds a reference per layer: " + status());
    } finally {
      d1.kill();
    }
    assertTrue(FuseMount.isMounted(mnt), "SIGKILL leaves the mount behind");
    try (DaemonProcess d2 = DaemonProcess.start(config, mnt, log, tmp.resolve("root/control.sock"))) {
      assertTrue(d2.log().contains("stale mount"), d2.logTail());
      ExternalTools.Result r = podman.run(image, "/bin/cat", "/data/hello.txt");
      assertEquals(0, r.exitCode(), r.output() + "\n" + d2.log().lines().filter(l -> l.contains("errno") || l.contains("WARN") || l.contains("INFO")).reduce("", (a, b) -> a + "\n" + b));
      assertTrue(r.output().contains("hello from a lazily pulled layer"));
      int before = referencesHeld();
      assertTrue(before >= 2, "references survived the crash: " + status());
      r = podman.podman(120, "rmi", "-f", image);
      assertEquals(0, r.exitCode(), r.output());
      assertFalse(r.output().contains("GC doesn't seem to be supported"), r.output());
      assertEquals(0, referencesHeld(), "rmi released every reference: " + status());
      assertFalse(d2.log().contains("holds no reference"), "releases matched references");
      d2.terminate();
      assertFalse(FuseMount.isMounted(mnt), "SIGTERM unmounts");
    }
  }
}
