package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;

/**
 * A registry failure is counted in {@code status} by what failed, not as one
 * {@code registry-error}: a tag that does not exist, a registry answering 500 for a manifest and
 * one refusing (403) a layer's blob, with the real daemon, FUSE mount and registry (behind a
 * {@link FaultProxy} that injects the failures).
 */
@IntegrationTest
class RegistryFallbackReasonsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir Path tmp;

  @Test
  void eachRegistryFailureHasItsOwnFallbackReason() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "reasons/edge", "1");
    EdgeImage.push(REGISTRY.baseUri(), "reasons/overloaded", "1");
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri())) {
      Path registries = tmp.resolve("registries.conf");
      Files.writeString(registries, "[[registry]]\nlocation = \"" + proxy.hostPort()
          + "\"\ninsecure = true\n");
      String missing = proxy.hostPort() + "/reasons/missing:1";
      String overloaded = proxy.hostPort() + "/reasons/overloaded:1";
      String refused = proxy.hostPort() + "/reasons/edge:1";
      proxy.inject(r -> r.method().equals("GET")
          && r.path().equals("/v2/reasons/overloaded/manifests/1"), FaultProxy.status(500), 1000);
      proxy.inject(r -> r.isBlobGet() && r.path().endsWith(layer), FaultProxy.status(403), 1000);
      try (InJvmDaemon d = InJvmDaemon.start(tmp.resolve("daemon"), tmp.resolve("mnt"),
          registries, "[fetch]\nprefetch = false\nprefetch_entrypoint = false\n")) {
        Path mnt = d.mountPoint();
        assertThrows(NoSuchFileException.class, () -> Files.readAttributes(
            mnt.resolve(ImageDirectoryName.encode(missing)), "unix:mode"));
        assertThrows(NoSuchFileException.class, () -> Files.readAttributes(
            mnt.resolve(ImageDirectoryName.encode(overloaded)), "unix:mode"));
        Path refusedImage = mnt.resolve(ImageDirectoryName.encode(refused));
        assertTrue(Files.isDirectory(refusedImage), "the manifest and config are not refused");
        assertThrows(NoSuchFileException.class, () -> Files.readAttributes(
            refusedImage.resolve(layer).resolve("diff"), "unix:mode"));

        JsonNode fallbacks = ControlServer.call(d.config().controlSocketPath(),
            JSON.createObjectNode().put("op", "status")).path("fallbacks");
        assertTrue(fallbacks.path("registry-not-found").asLong() >= 1, fallbacks.toString());
        assertTrue(fallbacks.path("registry-server-error").asLong() >= 1, fallbacks.toString());
        assertTrue(fallbacks.path("registry-denied").asLong() >= 1, fallbacks.toString());
        assertEquals(0, fallbacks.path("registry-error").asLong(), fallbacks.toString());
        assertEquals(0, fallbacks.path("bad-layer").asLong(), fallbacks.toString());

        // the registry section counts what the node sent on the wire: exactly what the proxy saw
        JsonNode network = d.daemon().status().path("registry");
        assertEquals(proxy.seen().size(), network.path("requests").asLong(), network.toString());
        assertTrue(network.path("retries").asLong() >= 1, "the 500s were retried: " + network);
        assertTrue(network.path("bytesReceived").asLong() > 0, network.toString());
      }
    }
  }
}
