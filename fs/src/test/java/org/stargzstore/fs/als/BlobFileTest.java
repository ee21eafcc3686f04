package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.gc.GarbageCollector;
import org.stargzstore.fs.gc.ForgottenRecords;
import org.stargzstore.fs.gc.GcResult;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.PushOptions;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * The {@code blob} file serves only bytes that hash to the layer digest: read through the mount
 * from the real registry (through a {@link FaultProxy} that records every request), with the
 * registry's stored blob intact and altered on disk.
 */
@IntegrationTest
class BlobFileTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final LayerStoreConfig ON_DEMAND =
      LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly());
  @TempDir Path tmp;

  @Test
  void blobIsDownloadedOnceVerifiedAndThenServedFromTheStore() throws Exception {
    push("blob/intact:1", "estargz");
    Digest layer = layerDigest("estargz");
    long size = Files.size(Shared.fixture("edge.estargz.blob"));
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri());
        RegistryClient client = StoreHarness.registryClient(proxy.hostPort())) {
      String ref = proxy.hostPort() + "/blob/intact:1";
      try (StoreHarness h = harness(tmp.resolve("root"), client, ON_DEMAND)) {
        Path blob = blobFile(h.mount(tmp.resolve("mnt")), ref, layer);
        ExecutorService readers = Executors.newFixedThreadPool(4);
        try {
          List<Future<Digest>> reads = new ArrayList<>();
          for (int i = 0; i < 4; i++) {
            reads.add(readers.submit(() -> Digest.of(Files.readAllBytes(blob))));
          }
          for (Future<Digest> r : reads) {
            assertEquals(layer, r.get());
          }
        } finally {
          readers.shutdownNow();
        }
        // four concurrent readers, one download
        assertEquals(size, blobFileBytes(h, layer));
        assertEquals(1, wholeBlobGets(proxy, layer, size));
        assertEquals(layer, h.content.hashStored(layer));
      }
      proxy.clearSeen();
      // a restarted daemon serves the stored blob: the registry is not asked for it
      try (StoreHarness h = harness(tmp.resolve("root"), client, ON_DEMAND)) {
        Path blob = blobFile(h.mount(tmp.resolve("mnt2")), ref, layer);
        assertEquals(layer, Digest.of(Files.readAllBytes(blob)));
        assertNull(h.store.loadedLayer(layer).orElseThrow().fetcher().stats().bytesByReason()
            .get(FetchReason.BLOB_FILE));
        assertEquals(0, wholeBlobGets(proxy, layer, size), "requests: " + proxy.seen());
      }
    }
  }

  @Test
  void alteredRegistryBlobFailsWithEioIsLoggedAndNothingIsStored() throws Exception {
    push("blob/altered:1", "zstd-podman");
    Digest layer = layerDigest("zstd-podman");
    Path data = registryData(layer);
    byte[] original = Files.readAllBytes(data);
    LogRecords capture = new LogRecords();
    Logger alsLog = Logger.getLogger("org.stargzstore.fs.als");
    alsLog.addHandler(capture);
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri());
        RegistryClient client = StoreHarness.registryClient(proxy.hostPort());
        StoreHarness h = harness(tmp.resolve("root"), client, ON_DEMAND)) {
      Path blob = blobFile(h.mount(tmp.resolve("mnt")), proxy.hostPort() + "/blob/altered:1",
          layer);
      assertTrue(Files.exists(blob), "the layer opens: its TOC is intact");
      Digest actual = alter(data);
      IOException e = assertThrows(IOException.class, () -> Files.readAllBytes(blob));
      assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
      String line = capture.lines().stream().filter(s -> s.contains("NOT serving the blob file"))
          .findFirst().orElse("");
      assertTrue(line.contains(layer.toString()) && line.contains(actual.toString()),
          "log: " + capture.lines());
      assertFalse(Files.exists(h.layout.blob(layer)), "an unverified blob was stored");
      assertEquals(0, countFiles(h.layout.tmpDir()), "a temp file was left behind");
      // a failure is remembered for failure_retry: reading again does not download again
      long downloaded = blobFileBytes(h, layer);
      assertEquals(original.length, downloaded);
      assertThrows(IOException.class, () -> Files.readAllBytes(blob));
      assertEquals(downloaded, blobFileBytes(h, layer));
      assertEquals(1, wholeBlobGets(proxy, layer, original.length));
    } finally {
      alsLog.removeHandler(capture);
      Files.write(data, original);
    }
  }

  @Test
  void failedDownloadIsNotKeptTheNextReadTriesAgain() throws Exception {
    push("blob/repaired:1", "zstd-podman");
    Digest layer = layerDigest("zstd-podman");
    Path data = registryData(layer);
    byte[] original = Files.readAllBytes(data);
    LayerStoreConfig retryAtOnce = new LayerStoreConfig(ON_DEMAND.resolveTimeout(),
        ON_DEMAND.readTimeout(), ON_DEMAND.fetch(), ON_DEMAND.releaseGrace(), Duration.ZERO,
        false);
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri());
        RegistryClient client = StoreHarness.registryClient(proxy.hostPort());
        StoreHarness h = harness(tmp.resolve("root"), client, retryAtOnce)) {
      Path blob = blobFile(h.mount(tmp.resolve("mnt")), proxy.hostPort() + "/blob/repaired:1",
          layer);
      assertTrue(Files.exists(blob));
      alter(data);
      assertThrows(IOException.class, () -> Files.readAllBytes(blob));
      Files.write(data, original);
      assertEquals(layer, Digest.of(Files.readAllBytes(blob)));
      assertEquals(layer, h.content.hashStored(layer));
    } finally {
      Files.write(data, original);
    }
  }

  @Test
  void storedBlobIsLiveWhileItsLayerIsInUseAndCollectableAfter() throws Exception {
    Path fixture = Shared.fixture("edge.estargz.blob");
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/edge:1", List.of(fixture), List.of(Shared.fixture("edge.estargz.json")));
    Digest layer = layerDigest("estargz");
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src, ON_DEMAND)) {
      Path blob = blobFile(h.mount(tmp.resolve("mnt")), "t.test/edge:1", layer);
      assertEquals(layer, Digest.of(Files.readAllBytes(blob)));
      long size = Files.size(fixture);
      assertEquals(size, Files.size(h.layout.blob(layer)));
      StoredLayerContent content = new StoredLayerContent(h.records,
          new CachingLayerOpener(LayerFormats.all(), h.content, h.records));
      ImageRecords images = new ImageRecords(h.layout, h.content);
      // a budget of one byte: only what the loaded layer needs survives
      ForgottenRecords forget = new ForgottenRecords(h.records, h.references,
          new ProfileStore(h.layout, false), images);
      GcResult kept = new GarbageCollector(h.content, h.references, content, images, forget,
          h.store::loadedLayerDigests, h.lock, 1, Duration.ZERO).collect();
      assertTrue(Files.exists(h.layout.blob(layer)));
      assertTrue(kept.liveBytes() >= size, "live bytes " + kept.liveBytes());
      // once no layer needs it, it goes like any other content
      GcResult freed = new GarbageCollector(h.content, h.references, content, images, forget,
          Set::of, h.lock, 1, Duration.ZERO).collect();
      assertFalse(Files.exists(h.layout.blob(layer)));
      assertTrue(freed.deletedBytes() >= size, "deleted bytes " + freed.deletedBytes());
    }
  }

  // ---- helpers ----

  private static Digest layerDigest(String flavour) throws IOException {
    return Digest.parse(JSON.readTree(Files.readAllBytes(Shared.fixture("edge." + flavour
        + ".json"))).get("digest").asText());
  }

  /** Pushes the one-layer fixture image {@code flavour} to the registry as {@code repoTag}. */
  private static void push(String repoTag, String flavour) throws Exception {
    Path blob = Shared.fixture("edge." + flavour + ".blob");
    ResolvedImage img = new LocalBlobsImageSource()
        .add("fixture/image:1", List.of(blob), List.of(Shared.fixture("edge." + flavour + ".json")))
        .image("fixture/image:1");
    try (RegistryClient c = StoreHarness.registryClient(REGISTRY.hostPort())) {
      ImageReference target = ImageReference.parse(REGISTRY.hostPort() + "/" + repoTag);
      c.pushBlob(target, BlobContent.ofFile(blob), PushOptions.monolithic());
      c.pushBlob(target, BlobContent.ofBytes(img.config()), PushOptions.monolithic());
      c.pushManifest(target, img.manifest(), "application/vnd.oci.image.manifest.v1+json");
    }
  }

  private static StoreHarness harness(Path root, RegistryClient client, LayerStoreConfig config)
      throws IOException {
    return new StoreHarness(root, new RegistryImageSource(client, Duration.ofSeconds(30)),
        config);
  }

  private static Path blobFile(Path mnt, String ref, Digest layer) {
    return mnt.resolve(ImageDirectoryName.encode(ref)).resolve(layer.toString()).resolve("blob");
  }

  /** Where the registry keeps a blob's bytes. */
  private static Path registryData(Digest d) {
    return REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256")
        .resolve(d.hex().substring(0, 2)).resolve(d.hex()).resolve("data");
  }

  /** Flips one bit a third into the registry's copy (compressed file data, not the TOC). */
  private static Digest alter(Path data) throws IOException {
    byte[] b = Files.readAllBytes(data);
    b[b.length / 3] ^= 0x40;
    Files.write(data, b);
    return Digest.of(b);
  }

  private static long blobFileBytes(StoreHarness h, Digest layer) {
    return h.store.loadedLayer(layer).orElseThrow().fetcher().stats().bytesByReason()
        .getOrDefault(FetchReason.BLOB_FILE, 0L);
  }

  /** Blob GETs of {@code d} that asked for all of it. */
  private static long wholeBlobGets(FaultProxy proxy, Digest d, long size) {
    return proxy.seen().stream()
        .filter(s -> s.method().equals("GET") && s.target().contains(d.hex()))
        .filter(s -> s.range() == null || s.range().equals("bytes=0-" + (size - 1)))
        .count();
  }

  private static long countFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

}
