package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.Podman5Root;
import org.stargzstore.testkit.Podman5Sandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.zstdchunked.LayerDecompression;

/**
 * zstd:chunked as podman 5.4 (containers/storage 1.57) pushes it: the exact tar size comes from
 * its tar-split, authenticated by the TOC's {@code tarSplitDigest}, and equals the length of the
 * GNU tar it was made from, record padding included (the 32000000-vs-31991808 case of issue 15).
 * The tar-split is read with the TOC, in one range request, so both {@code info} files state the
 * size without another request on the lookup podman waits on.
 */
@IntegrationTest
class Podman5TarSplitSizeTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @Test
  void podman54PushIsSizedByItsTarSplit() throws Exception {
    Optional<String> unavailable = Podman5Root.unavailableReason();
    assumeTrue(unavailable.isEmpty(), () -> unavailable.orElseThrow());
    long tarLength;
    try (Podman5Root root = Podman5Root.open();
        Podman5Sandbox p = Podman5Sandbox.builder(root).insecure(List.of(REGISTRY.hostPort()))
            .create()) {
      Path src = Files.createDirectories(p.dir().resolve("src/data"));
      Random rnd = new Random(54);
      for (int i = 0; i < 30; i++) {
        byte[] data = new byte[1000 + rnd.nextInt(200_000)];
        rnd.nextBytes(data);
        Files.write(src.resolve("f" + i), data);
      }
      Path tar = p.dir().resolve("gnu.tar");
      ExternalTools.run(List.of("tar", "-cf", tar.toString(), "-C",
          p.dir().resolve("src").toString(), "."), 60).requireSuccess();
      tarLength = Files.size(tar);
      assertEquals(0, tarLength % 10240, "GNU tar pads to 10240-byte records");
      p.ok("import", "-q", p.inside(tar), "localhost/p5-tar:1");
      p.ok("push", "-q", "--compression-format", "zstd:chunked", "localhost/p5-tar:1",
          "docker://" + REGISTRY.hostPort() + "/info/podman54:1");
    }
    LogRecords logs = new LogRecords();
    Logger log = Logger.getLogger(CachingLayerOpener.class.getName());
    Level level = log.getLevel();
    log.setLevel(Level.FINE);
    log.addHandler(logs);
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri());
        RegistryClient c = RegistryClient.create(RegistryClientConfig.builder()
            .insecureHosts(List.of(proxy.hostPort())).readTimeout(Duration.ofSeconds(30))
            .build());
        StoreHarness h = new StoreHarness(tmp.resolve("root"),
            new RegistryImageSource(c, Duration.ofSeconds(30)),
            LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      String ref = proxy.hostPort() + "/info/podman54:1";
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      JsonNode layer = JSON.readTree(img.resolve("manifest").toFile()).path("layers").get(0);
      JsonNode ann = layer.path("annotations");
      assertTrue(ann.has(LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_POSITION), ann.toString());
      assertFalse(ann.has(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE), ann.toString());
      Digest digest = Digest.parse(layer.path("digest").asText());
      String toc = ann.path(LayerDescriptor.ZSTD_CHUNKED_MANIFEST_CHECKSUM).asText();

      JsonNode byToc = JSON.readTree(img.resolve(toc).resolve("info").toFile());
      assertEquals(toc, byToc.path("toc-digest").asText());
      assertFalse(byToc.has("diff-digest"), byToc.toString());

      JsonNode byBlob = JSON.readTree(img.resolve(digest.toString()).resolve("info").toFile());
      // the tar-split came with the TOC: one range request for both, none more for the size
      List<String> ranges = proxy.seen().stream()
          .filter(x -> x.target().contains("/blobs/" + digest) && x.range() != null)
          .map(FaultProxy.Seen::range).toList();
      assertEquals(1, ranges.size(), "range requests of the layer: " + ranges);
      assertEquals(tarLength, byToc.path("diff-size").asLong(), byToc.toString());
      Path stored = REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256")
          .resolve(digest.hex().substring(0, 2)).resolve(digest.hex()).resolve("data");
      assertEquals(decompressedLength(stored), byBlob.path("diff-size").asLong());
      assertEquals(tarLength, byBlob.path("diff-size").asLong(), byBlob.toString());
      assertTrue(h.store.loadedLayer(digest).orElseThrow().index().format().displayName()
          .contains("containers/storage"));
      // from the tar-split (the TOC's tarSplitDigest vouched for it), not from the gaps
      assertTrue(logs.lines().stream().anyMatch(m -> m.contains(digest.toString())
          && m.contains("from its tar-split, read with the TOC")), "log: " + logs.lines());
    } finally {
      log.removeHandler(logs);
      log.setLevel(level);
    }
  }

  private static long decompressedLength(Path blob) throws IOException {
    try (InputStream in = LayerDecompression.open(blob)) {
      return in.transferTo(OutputStream.nullOutputStream());
    }
  }
}
