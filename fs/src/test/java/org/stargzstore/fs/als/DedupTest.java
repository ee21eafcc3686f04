package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.layer.LayerOpener;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.gc.StoreUsage;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * One content-addressed store for every image: the same files in an eStargz and a zstd:chunked
 * layer, or the same base layer in two images, are fetched and stored once. Byte counts come
 * from the blob reads the store makes.
 */
@IntegrationTest
class DedupTest {
  @TempDir Path tmp;

  static LayerIndex index(String fixture) throws IOException {
    try (FileRangeSource f = FileRangeSource.open(Shared.fixture(fixture))) {
      return LayerOpener.open(f, LayerFormats.options().build()).index();
    }
  }

  static Set<Digest> chunkDigests(LayerIndex i) {
    Set<Digest> s = new HashSet<>();
    for (Chunk c : i.chunksInBlobOrder()) {
      if (!c.zeros()) {
        s.add(c.digest());
      }
    }
    return s;
  }

  static void readEverything(Path diff) throws IOException {
    try (Stream<Path> s = Files.walk(diff)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.readAllBytes(p);
        }
      }
    }
  }

  static Path diffOf(Path mnt, String ref, String fixture) throws IOException {
    String digest = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Files.readAllBytes(Shared.fixture(fixture.replace(".blob", ".json"))))
        .get("digest").asText();
    return mnt.resolve(ImageDirectoryName.encode(ref)).resolve(digest).resolve("diff");
  }

  @Test
  void sameFilesInEstargzAndZstdChunkedAreFetchedOnce() throws Exception {
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/gzip:1", List.of(Shared.fixture("edge.estargz.blob")),
            List.of(Shared.fixture("edge.estargz.json")))
        .add("t.test/zstd:1", List.of(Shared.fixture("edge.zstd-stargz.blob")),
            List.of(Shared.fixture("edge.zstd-stargz.json")));
    // both were made by the reference writer with 64 KiB chunks: identical chunk digests, but
    // for eStargz's stargz.index.json (its TOC is a tar entry; zstd:chunked's is not)
    LayerIndex gzip = index("edge.estargz.blob");
    Set<Digest> gzipChunks = chunkDigests(gzip);
    assertTrue(gzipChunks.remove(gzip.entry("stargz.index.json").orElseThrow().digest()
        .orElseThrow()));
    assertEquals(gzipChunks, chunkDigests(index("edge.zstd-stargz.blob")));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path mnt = h.mount(tmp.resolve("mnt"));
      readEverything(diffOf(mnt, "t.test/gzip:1", "edge.estargz.blob"));
      long afterFirst = src.bytesRead.get();
      Path zstd = diffOf(mnt, "t.test/zstd:1", "edge.zstd-stargz.blob");
      assertTrue(Files.isDirectory(zstd));
      long opening = src.bytesRead.get() - afterFirst;
      readEverything(zstd);
      long reading = src.bytesRead.get() - afterFirst - opening;
      assertTrue(opening <= (64 << 10) + 100_000, "opening the second layer read " + opening
          + " bytes: its tail and TOC only");
      assertEquals(0, reading, "every chunk of the zstd:chunked layer was already stored");
      Thread.sleep(300);
      StoreUsage.Report du = StoreUsage.of(h.content, h.records,
          new org.stargzstore.fs.store.ImageRecords(h.layout, h.content),
          new StoredLayerContent(h.records, new CachingLayerOpener(LayerFormats.all(), h.content,
              h.records)));
      // eStargz's stargz.index.json is its own: the rest is stored once for both layers
      long tocFile = gzip.entry("stargz.index.json").orElseThrow().size();
      double sharedRatio = (double) (du.layerBytesSum() - tocFile)
          / (du.layerUnionBytes() - tocFile);
      assertTrue(sharedRatio > 1.9, "two layers, one copy of their chunks: " + sharedRatio
          + " " + du);
    }
  }

  @Test
  void aBaseLayerSharedByTwoImagesIsOpenedAndFetchedOnce() throws Exception {
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/one:1", List.of(Shared.fixture("edge.zstd-podman.blob")),
            List.of(Shared.fixture("edge.zstd-podman.json")))
        .add("t.test/two:1", List.of(Shared.fixture("edge.zstd-podman.blob"),
            Shared.fixture("edge.estargz.blob")),
            List.of(Shared.fixture("edge.zstd-podman.json"), Shared.fixture("edge.estargz.json")));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path mnt = h.mount(tmp.resolve("mnt"));
      Digest base = Digest.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
          Files.readAllBytes(Shared.fixture("edge.zstd-podman.json"))).get("digest").asText());
      readEverything(diffOf(mnt, "t.test/one:1", "edge.zstd-podman.blob"));
      long baseBytes = src.bytesReadByBlob.get(base).get();
      readEverything(diffOf(mnt, "t.test/two:1", "edge.zstd-podman.blob"));
      assertEquals(baseBytes, src.bytesReadByBlob.get(base).get(),
          "the shared base layer is the same mounted layer: nothing of it fetched again");
    }
  }
}
