package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.FaultProxy.Seen;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;

/**
 * A mirror named in registries.conf that fails one layer's blob (404: a cache that does not
 * have it; 500: a broken one) while it serves the manifest and config: the daemon mounts the
 * layer from the registry, a file of the layer reads right through the FUSE mount, and
 * {@code status} shows nothing failed and no fallback. Real daemon (in this JVM), FUSE, two real
 * registries (the mirror holds the same image), each behind a {@link FaultProxy}.
 */
@IntegrationTest
class MirrorFallThroughDaemonTest {
  @RegisterExtension static final RegistryServer ORIGIN = RegistryServer.builder().build();
  @RegisterExtension static final RegistryServer MIRROR = RegistryServer.builder().build();
  @TempDir Path tmp;

  @ParameterizedTest(name = "mirror answers {0} for the layer")
  @ValueSource(ints = {404, 500})
  void layerBlobFailingOnTheMirrorIsReadFromTheRegistry(int status) throws Exception {
    String repo = "mirrored/edge" + status;
    String layer = EdgeImage.push(ORIGIN.baseUri(), repo, "1");
    assertEquals(layer, EdgeImage.push(MIRROR.baseUri(), repo, "1"));
    try (FaultProxy origin = FaultProxy.start(ORIGIN.baseUri());
        FaultProxy mirror = FaultProxy.start(MIRROR.baseUri())) {
      Path registries = tmp.resolve("registries.conf");
      Files.writeString(registries, "[[registry]]\nlocation = \"" + origin.hostPort()
          + "\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"" + mirror.hostPort()
          + "\"\ninsecure = true\n");
      mirror.inject(r -> r.isBlobGet() && r.path().endsWith(layer), FaultProxy.status(status),
          -1);
      String image = origin.hostPort() + "/" + repo + ":1";
      try (InJvmDaemon d = InJvmDaemon.start(tmp.resolve("daemon"), tmp.resolve("mnt"),
          registries, "[fetch]\nprefetch = false\nprefetch_entrypoint = false\n")) {
        Path diff = d.mountPoint().resolve(ImageDirectoryName.encode(image)).resolve(layer)
            .resolve("diff");
        assertArrayEquals(EdgeImage.member("bin/rand-1048576"),
            Files.readAllBytes(diff.resolve("bin/rand-1048576")));
        assertArrayEquals(EdgeImage.member("bin/rand-4096"),
            Files.readAllBytes(diff.resolve("bin/rand-4096")));

        String seen = "mirror: " + mirror.seen() + "\nregistry: " + origin.seen();
        assertTrue(mirror.seen().stream().anyMatch(s -> s.target().contains("/manifests/1")
            && s.status() == 200), "the image was resolved through the mirror: " + seen);
        List<Seen> failedOnMirror = blobGets(mirror, layer);
        assertFalse(failedOnMirror.isEmpty(), seen);
        assertTrue(failedOnMirror.stream().allMatch(s -> s.status() == status), seen);
        assertTrue(blobGets(origin, layer).stream().anyMatch(s -> s.status() == 206),
            "the layer was read from the registry: " + seen);
        // (the access-profile lookup's referrers tag, sha256-HEX, which the mirror does not
        // have, is asked of the registry too: profiles are published there)
        assertTrue(origin.seen().stream().noneMatch(s -> s.target().contains("/manifests/")
                && !s.target().contains("/manifests/sha256-")),
            "the manifest came from the mirror only: " + seen);

        JsonNode status2 = ControlServer.call(d.config().controlSocketPath(),
            new ObjectMapper().createObjectNode().put("op", "status"));
        JsonNode layerStatus = d.layerStatus(image, 0);
        assertTrue(layerStatus.path("lazy").asBoolean(), layerStatus.toString());
        assertEquals(0, layerStatus.path("fetchErrors").asLong(), layerStatus.toString());
        assertTrue(status2.path("fallbacks").isObject(), status2.toString());
        for (Iterator<Map.Entry<String, JsonNode>> it = status2.path("fallbacks").fields();
            it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          assertEquals(0, f.getValue().asLong(), "no fallback: " + status2.path("fallbacks"));
        }
      }
    }
  }

  private static List<Seen> blobGets(FaultProxy p, String digest) {
    return p.seen().stream().filter(s -> s.method().equals("GET")
        && s.target().contains("/blobs/" + digest)).toList();
  }
}
