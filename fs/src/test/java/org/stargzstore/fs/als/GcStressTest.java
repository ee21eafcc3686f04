package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.gc.GarbageCollector;
import org.stargzstore.fs.gc.GcResult;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TreeSnapshot;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * Readers over several mounted images while the collector runs back to back with a budget of
 * one byte: every byte read is exact, content of layers in use is never deleted, and content of
 * a layer nobody uses any more is.
 */
@IntegrationTest
class GcStressTest {
  @TempDir Path tmp;

  @Test
  void parallelReadersWhileCollectingWithATinyBudget() throws Exception {
    Path root = tmp.resolve("root");
    // 1. an earlier run left content of a layer nobody uses now (podman's zstd:chunked fixture)
    LocalBlobsImageSource old = new LocalBlobsImageSource()
        .add("t.test/old:1", List.of(Shared.fixture("edge.zstd-podman.blob")),
            List.of(Shared.fixture("edge.zstd-podman.json")));
    try (StoreHarness h = new StoreHarness(root, old,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      DedupTest.readEverything(DedupTest.diffOf(h.mount(tmp.resolve("mnt0")), "t.test/old:1",
          "edge.zstd-podman.blob"));
      Thread.sleep(500);
    }
    Set<Digest> stale = new HashSet<>(DedupTest.chunkDigests(DedupTest.index("edge.zstd-podman.blob")));
    Set<Digest> inUse = new HashSet<>(DedupTest.chunkDigests(DedupTest.index("edge.estargz.blob")));
    stale.removeAll(inUse);
    assertTrue(stale.size() > 20, "the old layer has content of its own");
    // the readers below read the files of edge.tar, not the entries its producer added
    LayerIndex estargz = DedupTest.index("edge.estargz.blob");
    for (String own : List.of("stargz.index.json", ".prefetch.landmark")) {
      estargz.entry(own).orElseThrow().chunks().forEach(c -> inUse.remove(c.digest()));
    }

    // 2. expected bytes, independently: GNU tar's extraction of the layers' source tar
    Path ref = tmp.resolve("ref");
    Files.createDirectories(ref);
    ExternalTools.run(List.of("tar", "-xf", Shared.fixture("edge.tar").toString(), "-C",
        ref.toString()), 60).requireSuccess();
    Map<String, String> want = new TreeMap<>();
    try (Stream<Path> s = Files.walk(ref)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
            && !p.getFileName().toString().startsWith(".wh.")) {
          want.put(ref.relativize(p).toString(), TreeSnapshot.sha256(p));
        }
      }
    }

    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/a:1", List.of(Shared.fixture("edge.estargz.blob")),
            List.of(Shared.fixture("edge.estargz.json")))
        .add("t.test/b:1", List.of(Shared.fixture("edge.zstd-stargz.blob")),
            List.of(Shared.fixture("edge.zstd-stargz.json")));
    try (StoreHarness h = new StoreHarness(root, src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path mnt = h.mount(tmp.resolve("mnt"));
      Path a = DedupTest.diffOf(mnt, "t.test/a:1", "edge.estargz.blob");
      Path b = DedupTest.diffOf(mnt, "t.test/b:1", "edge.zstd-stargz.blob");
      // podman holds image a; image b is only being read (loaded)
      assertTrue(Files.isDirectory(a));
      try {
        Files.newByteChannel(a.getParent().resolve("use"), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE).close();
      } catch (java.nio.file.NoSuchFileException expected) {
        // the protocol's answer
      }
      org.stargzstore.fs.store.ImageRecords images =
          new org.stargzstore.fs.store.ImageRecords(h.layout, h.content);
      GarbageCollector gc = new GarbageCollector(h.content, h.references,
          new StoredLayerContent(h.records, new CachingLayerOpener(LayerFormats.all(), h.content,
              h.records)), images,
          new org.stargzstore.fs.gc.ForgottenRecords(h.records, h.references,
              new org.stargzstore.fs.profile.ProfileStore(h.layout, false), images),
          h.store::loadedLayerDigests, h.lock, 1, Duration.ofMinutes(10));
      AtomicBoolean done = new AtomicBoolean();
      AtomicLong deleted = new AtomicLong();
      AtomicLong collections = new AtomicLong();
      Thread collector = new Thread(() -> {
        while (!done.get()) {
          try {
            GcResult r = gc.collect();
            deleted.addAndGet(r.deletedBlobs());
            collections.incrementAndGet();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      collector.start();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<String>> results = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (Path diff : List.of(a, b)) {
          for (Map.Entry<String, String> e : want.entrySet()) {
            results.add(pool.submit(() -> {
              String got = TreeSnapshot.sha256(diff.resolve(e.getKey()));
              return got.equals(e.getValue()) ? "" : diff + "/" + e.getKey() + " differs";
            }));
          }
        }
      }
      List<String> bad = new ArrayList<>();
      for (Future<String> f : results) {
        String r = f.get();
        if (!r.isEmpty()) {
          bad.add(r);
        }
      }
      pool.shutdown();
      done.set(true);
      collector.join();
      assertEquals(List.of(), bad);
      assertTrue(collections.get() > 3, "the collector ran " + collections.get() + " times");
      assertTrue(deleted.get() >= stale.size(), "deleted " + deleted.get());
      for (Digest d : stale) {
        assertTrue(!h.content.contains(d), "stale content collected: " + d);
      }
      long fetched = 0;
      for (String fx : List.of("edge.estargz", "edge.zstd-stargz")) {
        Digest l = Digest.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
            Files.readAllBytes(Shared.fixture(fx + ".json"))).get("digest").asText());
        fetched += h.store.loadedLayer(l).orElseThrow().fetcher().stats().chunksFetched();
      }
      assertTrue(fetched <= inUse.size(), "each chunk in use fetched once, never collected and "
          + "fetched again: " + fetched + " fetches for " + inUse.size() + " chunks");
      Thread.sleep(300);
      for (Digest d : inUse) {
        assertTrue(h.content.contains(d), "content of a layer in use kept: " + d);
      }
    }
  }
}
