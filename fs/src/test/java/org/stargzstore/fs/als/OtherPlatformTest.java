package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.Platform;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.types.Digest;

/**
 * podman pulling another platform of a multi-platform image ({@code --arch arm64}) asks, under
 * the index's tag, for that platform's layers: a daemon on linux/amd64 serves them lazily from
 * the arm64 image of the index, with that image's config DiffIDs, under blob and TOC digest
 * names; a layer no image of the index has is refused with the reason {@code other-platform},
 * logged once with the platforms the index has. Real registry, real FUSE mount.
 */
@IntegrationTest
class OtherPlatformTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final LayerStoreConfig ON_DEMAND =
      LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly());
  static String ref;
  @TempDir Path tmp;

  /** amd64: podman's zstd:chunked layer; arm64: the eStargz and stargz-zstd layers. */
  @BeforeAll
  static void pushIndex() throws Exception {
    EdgeImage.pushTwoPlatforms(REGISTRY.baseUri(), "multi/app", "1");
    ref = REGISTRY.hostPort() + "/multi/app:1";
  }

  @Test
  void anotherPlatformsLayersAreServedWithThatImagesDiffIds() throws Exception {
    try (RegistryClient client = client(); StoreHarness h = harness(client)) {
      Path image = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      // this node's platform, as before
      Path amd64 = image.resolve(fixture("zstd-podman").get("digest").asText());
      assertTrue(Files.isDirectory(amd64.resolve("diff")));

      // podman 4.x names the arm64 layers by blob digest, podman 5.1+ by TOC digest
      JsonNode estargz = fixture("estargz");
      JsonNode zstd = fixture("zstd-stargz");
      Path byBlob = image.resolve(estargz.get("digest").asText());
      Path byToc = image.resolve(zstd.get("tocDigest").asText());
      for (Path layer : List.of(byBlob, byToc)) {
        assertTrue(Files.isDirectory(layer.resolve("diff")), layer.toString());
        assertTrue(Files.isRegularFile(layer.resolve("blob")), layer.toString());
      }
      assertEquals(estargz.get("diffID").asText(),
          JSON.readTree(Files.readAllBytes(byBlob.resolve("info"))).get("diff-digest").asText());
      assertTrue(Files.readString(byToc.resolve("info")).contains(zstd.get("diffID").asText()),
          Files.readString(byToc.resolve("info")));
      assertArrayEquals(EdgeImage.member("bin/rand-65537"),
          Files.readAllBytes(byBlob.resolve("diff/bin/rand-65537")));

      try (var listed = Files.list(image.getParent())) {
        assertEquals(1, listed.count(), "the index's directory is listed once");
      }
      MountedImage arm = h.store.images().stream()
          .filter(i -> i.otherPlatform().isPresent()).findFirst().orElseThrow();
      assertEquals("linux/arm64", arm.otherPlatform().get());
      assertEquals(ref, arm.reference());
      Digest estargzDigest = Digest.parse(estargz.get("digest").asText());
      assertTrue(h.store.loadedLayer(estargzDigest).isPresent(), "served lazily");
      assertEquals(0, h.store.counters().get(NotLazyException.Reason.UNKNOWN_LAYER));
      assertEquals(0, h.store.counters().get(NotLazyException.Reason.OTHER_PLATFORM));

      // use and release under the index's reference, as podman does
      assertThrows(NoSuchFileException.class, () -> Files.newByteChannel(byBlob.resolve("use"),
          StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING).close());
      assertEquals(1, h.references.snapshot().get(estargzDigest).total());
      assertThrows(NoSuchFileException.class, () -> Files.delete(byBlob));
      assertEquals(0, h.references.snapshot().get(estargzDigest).total());
    }
  }

  @Test
  void aPlatformServedOnceIsNotAskedOfTheRegistryAgain() throws Exception {
    // failure_retry 0: a layer not in this node's image would re-resolve the image every time
    LayerStoreConfig refreshAlways = new LayerStoreConfig(ON_DEMAND.resolveTimeout(),
        ON_DEMAND.readTimeout(), ON_DEMAND.fetch(), ON_DEMAND.releaseGrace(), Duration.ZERO,
        false);
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri());
        RegistryClient client = client(proxy.hostPort());
        StoreHarness h = new StoreHarness(tmp.resolve("root"),
            new RegistryImageSource(client, Duration.ofSeconds(30)), refreshAlways)) {
      String viaProxy = proxy.hostPort() + "/multi/app:1";
      Path image = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(viaProxy));
      JsonNode estargz = fixture("estargz");
      assertTrue(Files.isDirectory(image.resolve(estargz.get("digest").asText())));
      proxy.clearSeen();
      // the same layer under its other name: a new look-up, answered from what is resolved
      assertTrue(Files.isDirectory(image.resolve(estargz.get("tocDigest").asText())));
      assertTrue(Files.isDirectory(image.resolve(fixture("zstd-stargz").get("digest").asText())));
      List<FaultProxy.Seen> manifests = proxy.seen().stream()
          .filter(r -> r.target().contains("/manifests/")).toList();
      assertEquals(List.of(), manifests);
    }
  }

  @Test
  void aLayerNoPlatformHasIsRefusedAndTheLogSaysWhatTheIndexHas() throws Exception {
    LogRecords logs = new LogRecords();
    Logger alsLog = Logger.getLogger("org.stargzstore.fs.als");
    alsLog.addHandler(logs);
    try (RegistryClient client = client(); StoreHarness h = harness(client)) {
      Path image = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      Path nowhere = image.resolve(Digest.of(new byte[] {1, 2, 3}).toString());
      for (int i = 0; i < 3; i++) {
        assertFalse(Files.exists(nowhere.resolve("diff")));
      }
      assertTrue(h.store.counters().get(NotLazyException.Reason.OTHER_PLATFORM) >= 1,
          h.store.counters().snapshot().toString());
      List<String> lines = logs.records().stream().map(r -> r.getMessage())
          .filter(m -> m.contains("nor in any other image of its index")).toList();
      assertEquals(1, lines.size(), "logged once: " + lines);
      assertTrue(lines.get(0).contains("linux/amd64 image of " + ref), lines.get(0));
      assertTrue(lines.get(0).contains("[linux/amd64, linux/arm64]"), lines.get(0));
    } finally {
      alsLog.removeHandler(logs);
    }
  }

  private static JsonNode fixture(String flavour) throws Exception {
    return EdgeImage.facts(flavour);
  }

  /** A client on linux/amd64, whatever this machine is. */
  private static RegistryClient client() throws Exception {
    return client(REGISTRY.hostPort());
  }

  private static RegistryClient client(String insecureHost) throws Exception {
    return RegistryClient.create(RegistryClientConfig.builder()
        .insecureHosts(List.of(insecureHost)).platform(Platform.parse("linux/amd64"))
        .readTimeout(Duration.ofSeconds(30)).build());
  }

  private StoreHarness harness(RegistryClient client) throws Exception {
    return new StoreHarness(tmp.resolve("root"),
        new RegistryImageSource(client, Duration.ofSeconds(30)), ON_DEMAND);
  }
}
