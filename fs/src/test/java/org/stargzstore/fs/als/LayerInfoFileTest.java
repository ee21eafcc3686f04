package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.PushOptions;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.zstdchunked.LayerDecompression;
import org.stargzstore.zstdchunked.writer.ContainersStorageWriter;

/**
 * The {@code info} file differs by the name podman looks a layer up by (docs/als.md, "The info
 * file"): under the TOC digest it claims no digest the store did not verify, under the blob
 * digest its {@code diff-size} is the exact length of the decompressed blob, for every producer,
 * or the layer is not served by that name. Real registry, real FUSE mount.
 */
@IntegrationTest
class LayerInfoFileTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final LayerStoreConfig ON_DEMAND =
      LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly());
  @TempDir Path tmp;

  @Test
  void eachFixtureProducerGetsTheTwoVariantsWithTheExactSize() throws Exception {
    for (String flavour : List.of("estargz", "zstd-stargz", "zstd-podman")) {
      Path blob = Shared.fixture("edge." + flavour + ".blob");
      Path desc = Shared.fixture("edge." + flavour + ".json");
      String ref = push("info/" + flavour + ":1", blob, desc);
      JsonNode d = JSON.readTree(desc.toFile());
      Digest layer = Digest.parse(d.get("digest").asText());
      Digest toc = tocDigestOf(d);
      try (StoreHarness h = harness(tmp.resolve("root-" + flavour))) {
        Path img = h.mount(tmp.resolve("mnt-" + flavour)).resolve(ImageDirectoryName.encode(ref));
        Path byToc = img.resolve(toc.toString()).resolve("info");
        Path byBlob = img.resolve(layer.toString()).resolve("info");

        JsonNode t = JSON.readTree(byToc.toFile());
        assertFalse(t.has("diff-digest"), flavour + ": " + t);
        assertFalse(t.has("compressed-diff-digest"), flavour + ": " + t);
        assertFalse(t.has("read-only"), flavour + ": " + t);
        assertEquals(toc.toString(), t.path("toc-digest").asText(), flavour);
        assertEquals(d.get("diffID").asText(),
            t.path("flags").path("expected-layer-diffid").asText(), flavour);
        assertEquals(d.get("size").asLong(), t.path("compressed-size").asLong(), flavour);
        long annotated = d.path("annotations")
            .path(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE).asLong(-1);
        // known without a request, or -1: never an estimate
        assertEquals(annotated, t.path("diff-size").asLong(), flavour + ": " + t);

        JsonNode b = JSON.readTree(byBlob.toFile());
        assertEquals(layer.toString(), b.path("compressed-diff-digest").asText(), flavour);
        assertEquals(d.get("diffID").asText(), b.path("diff-digest").asText(), flavour);
        assertEquals(decompressedLength(blob), b.path("diff-size").asLong(), flavour + ": " + b);
        assertEquals(flavour.equals("estargz") ? 2 : 4, b.path("compression").asInt());
        assertEquals(t.path("compression").asInt(), b.path("compression").asInt());
        assertFalse(b.has("read-only"), flavour + ": " + b);
        assertTrue(b.path("uidset").isArray() && b.path("uidset").size() > 1, b.toString());

        assertNotEquals(Files.getAttribute(byToc, "unix:ino"),
            Files.getAttribute(byBlob, "unix:ino"), flavour);
      }
    }
  }

  /**
   * containers/storage 1.43 wrote no tar-split, and drops the producer's record padding after
   * the end-of-archive blocks: the measured size is that of the decompressed blob (what podman
   * save copies), here 7680 bytes less than the Python-written edge.tar it was made from.
   */
  @Test
  void podman43LayerIsMeasuredBetweenItsPayloadsOnly() throws Exception {
    Path blob = Shared.fixture("edge.zstd-podman.blob");
    long length = decompressedLength(blob);
    assertEquals(11_246_080, length);
    assertEquals(Files.size(Shared.fixture("edge.tar")) - 7680, length);
    String ref = push("info/measured:1", blob, Shared.fixture("edge.zstd-podman.json"));
    JsonNode d = JSON.readTree(Shared.fixture("edge.zstd-podman.json").toFile());
    Digest layer = Digest.parse(d.get("digest").asText());
    String toc = tocDigestOf(d).toString();
    try (StoreHarness h = harness(tmp.resolve("root"))) {
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      assertEquals(-1, JSON.readTree(img.resolve(toc).resolve("info").toFile())
          .path("diff-size").asLong(), "not measured for the TOC name");
      awaitRecord(h, layer);
      assertEquals(length, JSON.readTree(img.resolve(layer.toString()).resolve("info").toFile())
          .path("diff-size").asLong());
      MountedLayer l = h.store.loadedLayer(layer).orElseThrow();
      // only the gaps were fetched: not a byte of file content went through the fetcher
      assertEquals(0, l.fetcher().stats().bytesFetched());
      assertEquals(length, l.knownDiffSize().orElseThrow());
      assertEquals(length, h.records.get(layer).orElseThrow().measuredDiffSize().orElseThrow());
    }
    // a restarted daemon knows the size from its store: no measurement on the next lookup
    try (StoreHarness h = harness(tmp.resolve("root"))) {
      Path img = h.mount(tmp.resolve("mnt2")).resolve(ImageDirectoryName.encode(ref));
      JsonNode byToc = JSON.readTree(img.resolve(toc).resolve("info").toFile());
      assertEquals(length, h.store.loadedLayer(layer).orElseThrow().knownDiffSize()
          .orElseThrow());
      // known without a request now, so the TOC-name info states it too
      assertEquals(length, byToc.path("diff-size").asLong());
    }
  }

  /** Waits for the opener's background write of the layer's record. */
  private static void awaitRecord(StoreHarness h, Digest layer) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (h.records.get(layer).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(h.records.get(layer).isPresent(), "no layer record");
  }

  @Test
  void ourConverterBothTargetsGetTheInputTarSize() throws Exception {
    Path tar = paddedEdgeTar();
    for (ContainersStorageWriter.Target target : ContainersStorageWriter.Target.values()) {
      Path blob = tmp.resolve("edge-" + target + ".zst");
      LayerWriteResult r = convert(target, tar, blob);
      assertFalse(r.annotations().containsKey(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE));
      String ref = push("info/ours-" + target.name().toLowerCase() + ":1", blob,
          descriptor(r, tmp.resolve(target + ".json")));
      try (StoreHarness h = harness(tmp.resolve("root-" + target))) {
        Path img = h.mount(tmp.resolve("mnt-" + target)).resolve(ImageDirectoryName.encode(ref));
        JsonNode b = JSON.readTree(img.resolve(r.digest().toString()).resolve("info").toFile());
        assertEquals(Files.size(tar), b.path("diff-size").asLong(), target + ": " + b);
        assertEquals(r.diffId().toString(), b.path("diff-digest").asText());
      }
    }
  }

  @Test
  void tamperedTarSplitIsNotUsedAndTheBlobNameIsRefused() throws Exception {
    Path tar = paddedEdgeTar();
    Path blob = tmp.resolve("edge.zst");
    LayerWriteResult r = convert(ContainersStorageWriter.Target.CURRENT, tar, blob);
    String[] at = r.annotations().get(LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_POSITION).split(":");
    byte[] b = Files.readAllBytes(blob);
    b[(int) (Long.parseLong(at[0]) + Long.parseLong(at[1]) / 2)] ^= 0x01;
    Path tampered = tmp.resolve("tampered.zst");
    Files.write(tampered, b);
    Digest digest = Digest.of(b);
    LayerWriteResult t = new LayerWriteResult(r.mediaType(), digest, b.length, r.diffId(),
        r.tocDigest(), r.uncompressedSize(), r.annotations(), r.warnings());
    String ref = push("info/tampered:1", tampered, descriptor(t, tmp.resolve("t.json")));
    LogRecords capture = new LogRecords();
    Logger alsLog = Logger.getLogger("org.stargzstore.fs.als");
    alsLog.addHandler(capture);
    try (StoreHarness h = harness(tmp.resolve("root"))) {
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      // the TOC (its digest intact) still serves the layer
      Path byToc = img.resolve(r.tocDigest().toString());
      assertEquals(-1, JSON.readTree(byToc.resolve("info").toFile()).path("diff-size").asLong());
      assertTrue(Files.isDirectory(byToc.resolve("diff")));
      assertFalse(Files.exists(img.resolve(digest.toString()).resolve("info")));
      assertFalse(Files.exists(img.resolve(digest.toString())));
      assertTrue(h.store.counters().get(NotLazyException.Reason.UNKNOWN_UNCOMPRESSED_SIZE) > 0);
      List<String> lines = capture.lines().stream().filter(s -> s.contains("NOT using its tar-split"))
          .toList();
      assertEquals(1, lines.size(), "logged once: " + capture.lines());
      assertTrue(lines.get(0).contains(digest.toString()) && lines.get(0).contains("hashes to"),
          lines.get(0));
      assertTrue(h.store.loadedLayer(digest).orElseThrow().whyNotByBlobDigest().isPresent());
    } finally {
      alsLog.removeHandler(capture);
    }
  }

  @Test
  void estargzWithoutTheSizeAnnotationIsServedOnlyByItsTocDigest() throws Exception {
    Path blob = Shared.fixture("edge.estargz.blob");
    ObjectNode d = (ObjectNode) JSON.readTree(Shared.fixture("edge.estargz.json").toFile());
    ((ObjectNode) d.get("annotations")).remove(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE);
    Path desc = tmp.resolve("no-size.json");
    JSON.writeValue(desc.toFile(), d);
    String ref = push("info/no-size:1", blob, desc);
    Digest layer = Digest.parse(d.get("digest").asText());
    try (StoreHarness h = harness(tmp.resolve("root"))) {
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      assertFalse(Files.exists(img.resolve(layer.toString())));
      assertTrue(h.store.counters().get(NotLazyException.Reason.UNKNOWN_UNCOMPRESSED_SIZE) > 0);
      JsonNode t = JSON.readTree(img.resolve(tocDigestOf(d).toString()).resolve("info").toFile());
      assertEquals(-1, t.path("diff-size").asLong());
      assertTrue(h.store.loadedLayer(layer).orElseThrow().whyNotByBlobDigest().orElseThrow()
          .contains(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE));
    }
  }

  /**
   * podman 4.3.1 pushing a GNU tar padded to 10240-byte records (the shape that made
   * {@code system check} read 32000000 bytes where 31991808 were claimed): the measured size is
   * the decompressed blob's length, byte for byte.
   */
  @Test
  void podman431PushOfAPaddedGnuTarIsMeasuredExactly() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/data"));
    java.util.Random rnd = new java.util.Random(15);
    for (int i = 0; i < 40; i++) {
      byte[] data = new byte[1000 + rnd.nextInt(300_000)];
      rnd.nextBytes(data);
      Files.write(src.resolve("f" + i), data);
    }
    // runs of zeros become zero chunks, whose frames sit inside the data chunks' ranges
    byte[] sparse = new byte[600_000];
    byte[] noise = new byte[3000];
    for (int i = 0; i < sparse.length; i += 10_000) {
      rnd.nextBytes(noise);
      System.arraycopy(noise, 0, sparse, i, noise.length);
    }
    Files.write(src.resolve("sparse"), sparse);
    Files.copy(org.stargzstore.testkit.TestLayers.busyboxBinary(), src.resolve("busybox"));
    Path tar = tmp.resolve("gnu.tar");
    org.stargzstore.testkit.ExternalTools.run(List.of("tar", "-cf", tar.toString(), "-C",
        tmp.resolve("src").toString(), "."), 60).requireSuccess();
    assertEquals(0, Files.size(tar) % 10240, "GNU tar pads to 10240-byte records");
    ImagePusher.podmanZstdChunked(REGISTRY, "info/podman431:1", tar);
    String ref = REGISTRY.hostPort() + "/info/podman431:1";
    try (StoreHarness h = harness(tmp.resolve("root"))) {
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      Digest layer = StoreHarness.firstLayer(img);
      long size = JSON.readTree(img.resolve(layer.toString()).resolve("info").toFile())
          .path("diff-size").asLong();
      Path stored = REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256")
          .resolve(layer.hex().substring(0, 2)).resolve(layer.hex()).resolve("data");
      assertEquals(decompressedLength(stored), size);
      System.out.println("podman 4.3.1 zstd:chunked of a " + Files.size(tar) + "-byte GNU tar: "
          + "decompressed blob " + size + " bytes");
    }
  }

  /**
   * podman 4.x reads the blob-name {@code info} while it looks the layer up and waits for it, so
   * measuring a podman 4.3.1 layer (no tar-split) must cost a few requests for the tar headers
   * between payloads, not one request per group of nearby gaps, one after another, with the
   * payloads between them: that took 10.4 s (74 requests, 10 MB) for the benchmark's Python
   * layer on 50 Mbit/s + 25 ms (docs/benchmarks.md, "zstd:chunked from podman 4.3.1").
   */
  @Test
  void podman431LayerOfManyFilesIsMeasuredInAFewMultiRangeRequestsOfHeadersOnly()
      throws Exception {
    long smallPayload = podman431ManyFiles("info/many:1");
    try (ProxiedStore ps = ProxiedStore.open(tmp.resolve("root"), ON_DEMAND, Duration.ZERO)) {
      org.stargzstore.testkit.FaultProxy proxy = ps.proxy();
      StoreHarness h = ps.harness();
      String ref = proxy.hostPort() + "/info/many:1";
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      JsonNode desc = JSON.readTree(img.resolve("manifest").toFile()).path("layers").get(0);
      Digest layer = Digest.parse(desc.path("digest").asText());
      // the TOC name opens the layer (footer, TOC) without measuring anything
      assertEquals(-1, JSON.readTree(img.resolve(tocDigestOf(desc).toString()).resolve("info")
          .toFile()).path("diff-size").asLong());
      proxy.clearSeen();

      long size = JSON.readTree(img.resolve(layer.toString()).resolve("info").toFile())
          .path("diff-size").asLong();

      Path stored = REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256")
          .resolve(layer.hex().substring(0, 2)).resolve(layer.hex()).resolve("data");
      assertEquals(decompressedLength(stored), size);
      List<org.stargzstore.testkit.FaultProxy.Seen> gets = proxy.seen().stream()
          .filter(r -> r.method().equals("GET") && r.target().contains(layer.hex())).toList();
      long asked = 0;
      int ranges = 0;
      for (org.stargzstore.testkit.FaultProxy.Seen r : gets) {
        for (String part : r.range().substring("bytes=".length()).split(",")) {
          String[] ab = part.split("-");
          asked += Long.parseLong(ab[1]) - Long.parseLong(ab[0]) + 1;
          ranges++;
        }
      }
      String seen = gets.size() + " requests, " + ranges + " ranges, " + asked + " bytes";
      System.out.println("measured " + size + " bytes of tar: " + seen);
      // 361 gaps: 8 in the first request, then 64 per request
      assertTrue(ranges > 300, seen);
      assertTrue(gets.size() <= 8, seen);
      // the tar headers (about 150 bytes of zstd each), not the small files between them
      assertTrue(asked < 200_000 && asked < smallPayload / 5, seen);
    }
  }

  /**
   * A registry that answers a multi-range request with the whole blob (as object stores behind
   * a redirect do): the first request finds it out, the rest of the gaps go as merged ranges,
   * one request each, and the size is exact all the same.
   */
  @Test
  void podman431LayerIsMeasuredExactlyWhereSeveralRangesAreRefused() throws Exception {
    podman431ManyFiles("info/singles:1");
    try (ProxiedStore ps = ProxiedStore.open(tmp.resolve("root"), ON_DEMAND, Duration.ZERO)) {
      org.stargzstore.testkit.FaultProxy proxy = ps.proxy();
      StoreHarness h = ps.harness();
      proxy.inject(r -> r.isBlobGet() && String.valueOf(r.header("Range")).contains(","),
          org.stargzstore.testkit.FaultProxy.ignoreRange(), -1);
      String ref = proxy.hostPort() + "/info/singles:1";
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      JsonNode desc = JSON.readTree(img.resolve("manifest").toFile()).path("layers").get(0);
      Digest layer = Digest.parse(desc.path("digest").asText());
      // opened by its TOC name first: the TOC read (early, during the config) is not among the
      // requests counted below, whatever the timing
      assertTrue(Files.isDirectory(img.resolve(tocDigestOf(desc).toString())));
      proxy.clearSeen();
      long size = JSON.readTree(img.resolve(layer.toString()).resolve("info").toFile())
          .path("diff-size").asLong();
      Path stored = REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256")
          .resolve(layer.hex().substring(0, 2)).resolve(layer.hex()).resolve("data");
      assertEquals(decompressedLength(stored), size);
      List<String> ranges = proxy.seen().stream()
          .filter(r -> r.method().equals("GET") && r.target().contains(layer.hex()))
          .map(org.stargzstore.testkit.FaultProxy.Seen::range).toList();
      assertEquals(1, ranges.stream().filter(r -> r.contains(",")).count(), ranges.toString());
      assertTrue(ranges.get(0).contains(","), "the first request asks for several: " + ranges);
      // merged across the small files (64 KiB), not one request per header
      assertTrue(ranges.size() < 80, ranges.size() + " requests");
    }
  }

  /**
   * While podman 4.x waits for the blob-name {@code info} (the tar size being measured), no
   * container has started: the bulk background phases must not take the link from that
   * measurement, whatever {@code background_quiet} says (it took 30 MB of the link while the
   * benchmark's lookup waited 10 s). Every multi-range request is held 1.5 s here, longer than
   * the 1 s quiet.
   */
  @Test
  void backgroundHoldsBackWhileTheTarSizeIsMeasured() throws Exception {
    podman431ManyFiles("info/held:1");
    try (ProxiedStore ps = ProxiedStore.open(tmp.resolve("root"), LayerStoreConfig.defaults(),
        Duration.ofSeconds(1))) {
      org.stargzstore.testkit.FaultProxy proxy = ps.proxy();
      StoreHarness h = ps.harness();
      proxy.inject(r -> r.isBlobGet() && String.valueOf(r.header("Range")).contains(","),
          org.stargzstore.testkit.FaultProxy.delay(Duration.ofMillis(1500)), -1);
      String ref = proxy.hostPort() + "/info/held:1";
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      Digest layer = StoreHarness.firstLayer(img);
      long t0 = System.nanoTime();
      long size = JSON.readTree(img.resolve(layer.toString()).resolve("info").toFile())
          .path("diff-size").asLong();
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      Map<org.stargzstore.fs.fetch.FetchReason, Long> mix =
          h.store.loadedLayer(layer).orElseThrow().fetcher().stats().bytesByReason();
      assertTrue(size > 0);
      assertTrue(waitedMs >= 1500, "the measurement was not held up: " + waitedMs + " ms");
      assertEquals(0, mix.getOrDefault(org.stargzstore.fs.fetch.FetchReason.SMALL_FILES, 0L)
          + mix.getOrDefault(org.stargzstore.fs.fetch.FetchReason.EVERYTHING, 0L),
          "bulk background during a " + waitedMs + " ms lookup: " + mix);
    }
  }

  /**
   * podman looks a layer up by its blob digest as soon as it is open and waits for the tar size:
   * the measurement starts when the layer opens, before any lookup, and the entrypoint's
   * prefetch runs beside it rather than after it (the measurement is bound by the registry's
   * time per range, not by the link). Every multi-range request is held 2 s here: the
   * entrypoint's bytes arrive while the size is still unknown.
   */
  @Test
  void tarSizeIsMeasuredWhenTheLayerOpensBesideTheEntrypointPrefetch() throws Exception {
    podman431ManyFiles("info/first:1", List.of("CMD [\"/data/f005\"]"));
    try (ProxiedStore ps = ProxiedStore.open(tmp.resolve("root"), LayerStoreConfig.defaults(),
        Duration.ofSeconds(1))) {
      org.stargzstore.testkit.FaultProxy proxy = ps.proxy();
      StoreHarness h = ps.harness();
      proxy.inject(r -> r.isBlobGet() && String.valueOf(r.header("Range")).contains(","),
          org.stargzstore.testkit.FaultProxy.delay(Duration.ofMillis(2000)), -1);
      String ref = proxy.hostPort() + "/info/first:1";
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      Digest layer = StoreHarness.firstLayer(img);
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (predictedBytes(h, layer) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(predictedBytes(h, layer) > 0, "the entrypoint was not prefetched");
      // no lookup by any name yet, and the size still being measured
      assertTrue(h.store.loadedLayer(layer).orElseThrow().knownDiffSize().isEmpty(),
          "the prefetch waited for the measurement");
      // the proxy notes a request once answered: the first of the measurement's, with no lookup
      while (!measuring(proxy, layer) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(measuring(proxy, layer), "not measured before a lookup: " + proxy.seen());

      long size = JSON.readTree(img.resolve(layer.toString()).resolve("info").toFile())
          .path("diff-size").asLong();
      Path stored = REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256")
          .resolve(layer.hex().substring(0, 2)).resolve(layer.hex()).resolve("data");
      assertEquals(decompressedLength(stored), size);
      long measuring = proxy.seen().stream()
          .filter(r -> String.valueOf(r.range()).contains(",")).count();
      proxy.clearSeen();
      assertEquals(size, JSON.readTree(img.resolve(layer.toString()).resolve("info").toFile())
          .path("diff-size").asLong());
      assertEquals(0, proxy.seen().stream().filter(r -> String.valueOf(r.range()).contains(","))
          .count(), "measured again at the second lookup (" + measuring + " requests the first)");
    }
  }

  private static boolean measuring(org.stargzstore.testkit.FaultProxy proxy, Digest layer) {
    return proxy.seen().stream().anyMatch(r -> r.method().equals("GET")
        && r.target().contains(layer.hex()) && String.valueOf(r.range()).contains(","));
  }

  private static long predictedBytes(StoreHarness h, Digest layer) {
    return h.store.loadedLayer(layer).map(l -> l.fetcher().stats().bytesByReason()
        .getOrDefault(org.stargzstore.fs.fetch.FetchReason.PREDICTED, 0L)).orElse(0L);
  }

  /**
   * Pushes, with real podman 4.3.1 (zstd:chunked, no tar-split), a one-layer image of 360 files:
   * 300 small ones (1-8 kB, close together) and 60 of 70-150 kB (incompressible); returns the
   * small files' bytes.
   */
  private long podman431ManyFiles(String repoTag) throws Exception {
    return podman431ManyFiles(repoTag, List.of());
  }

  /** As {@link #podman431ManyFiles(String)}, with {@code podman import --change} lines. */
  private long podman431ManyFiles(String repoTag, List<String> changes) throws Exception {
    Path top = tmp.resolve("many-" + repoTag.replaceAll("[^a-z0-9]", "_"));
    Path src = Files.createDirectories(top.resolve("data"));
    java.util.Random rnd = new java.util.Random(19);
    long smallPayload = 0;
    for (int i = 0; i < 360; i++) {
      byte[] data = new byte[i % 6 == 5 ? 70_000 + rnd.nextInt(80_000) : 1000 + rnd.nextInt(7000)];
      rnd.nextBytes(data);
      smallPayload += i % 6 == 5 ? 0 : data.length;
      Files.write(src.resolve(String.format("f%03d", i)), data);
    }
    Path tar = top.resolve("layer.tar");
    org.stargzstore.testkit.ExternalTools.run(List.of("tar", "-cf", tar.toString(), "-C",
        src.getParent().toString(), "data"), 60).requireSuccess();
    ImagePusher.podmanZstdChunked(REGISTRY, repoTag, tar, changes);
    return smallPayload;
  }

  // ---- helpers ----

  private static Digest tocDigestOf(JsonNode descriptor) {
    JsonNode a = descriptor.path("annotations");
    for (String k : List.of(LayerDescriptor.STARGZ_TOC_DIGEST,
        LayerDescriptor.ZSTD_CHUNKED_MANIFEST_CHECKSUM,
        LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM)) {
      if (a.has(k)) {
        return Digest.parse(a.get(k).asText());
      }
    }
    throw new AssertionError("no TOC digest in " + descriptor);
  }

  /** edge.tar with 3 MiB and 77 bytes of zeros after its end: padding no estimate can know. */
  private Path paddedEdgeTar() throws IOException {
    byte[] all = Files.readAllBytes(Shared.fixture("edge.tar"));
    Path tar = tmp.resolve("edge-padded.tar");
    Files.write(tar, java.util.Arrays.copyOf(all, all.length + 3 * (1 << 20) + 77));
    return tar;
  }

  private static LayerWriteResult convert(ContainersStorageWriter.Target target, Path tar,
      Path blob) throws IOException {
    try (InputStream in = Files.newInputStream(tar);
        OutputStream out = Files.newOutputStream(blob)) {
      return ContainersStorageWriter.builder().target(target).build()
          .write(in, tar.toString(), out);
    }
  }

  /** A fixture-style descriptor JSON for a layer we wrote. */
  private static Path descriptor(LayerWriteResult r, Path out) throws IOException {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", r.mediaType());
    d.put("digest", r.digest().toString());
    d.put("size", r.size());
    ObjectNode a = d.putObject("annotations");
    for (Map.Entry<String, String> e : r.annotations().entrySet()) {
      a.put(e.getKey(), e.getValue());
    }
    d.put("diffID", r.diffId().toString());
    JSON.writeValue(out.toFile(), d);
    return out;
  }

  private static long decompressedLength(Path blob) throws IOException {
    try (InputStream in = LayerDecompression.open(blob)) {
      return in.transferTo(OutputStream.nullOutputStream());
    }
  }

  /** Pushes a one-layer image of {@code blob} (descriptor JSON beside it); returns its reference. */
  private static String push(String repoTag, Path blob, Path descriptor) throws Exception {
    ResolvedImage img = new LocalBlobsImageSource()
        .add("fixture/image:1", List.of(blob), List.of(descriptor)).image("fixture/image:1");
    try (RegistryClient c = StoreHarness.registryClient(REGISTRY.hostPort())) {
      ImageReference target = ImageReference.parse(REGISTRY.hostPort() + "/" + repoTag);
      c.pushBlob(target, BlobContent.ofFile(blob), PushOptions.monolithic());
      c.pushBlob(target, BlobContent.ofBytes(img.config()), PushOptions.monolithic());
      c.pushManifest(target, img.manifest(), "application/vnd.oci.image.manifest.v1+json");
    }
    return REGISTRY.hostPort() + "/" + repoTag;
  }


  private static StoreHarness harness(Path root) throws IOException {
    return StoreHarness.overRegistry(root, REGISTRY.hostPort(), ON_DEMAND);
  }


  /**
   * A store reading the test registry through a {@link org.stargzstore.testkit.FaultProxy}, so a
   * test can delay or change the requests of a measurement and see what was asked.
   */
  private record ProxiedStore(org.stargzstore.testkit.FaultProxy proxy, RegistryClient client,
      StoreHarness harness) implements AutoCloseable {
    static ProxiedStore open(Path root, LayerStoreConfig config, Duration backgroundQuiet)
        throws IOException {
      org.stargzstore.testkit.FaultProxy proxy =
          org.stargzstore.testkit.FaultProxy.start(REGISTRY.baseUri());
      RegistryClient client = null;
      try {
        client = RegistryClient.create(RegistryClientConfig.builder()
            .insecureHosts(List.of(proxy.hostPort())).readTimeout(Duration.ofSeconds(30))
            .build());
        return new ProxiedStore(proxy, client, new StoreHarness(root,
            new RegistryImageSource(client, Duration.ofSeconds(30)), config, backgroundQuiet));
      } catch (IOException | RuntimeException e) {
        if (client != null) {
          client.close();
        }
        proxy.close();
        throw e;
      }
    }

    @Override
    public void close() {
      try {
        harness.close();
      } finally {
        try {
          client.close();
        } finally {
          proxy.close();
        }
      }
    }
  }
}
