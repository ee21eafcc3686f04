package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.OpenedLayer;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TreeSnapshot;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerFormats;

/** Laziness, integrity and restarts, observed through the mount of each FUSE backend. */
@IntegrationTest
@ParameterizedClass
@EnumSource(MountOptions.Backend.class)
class LazyReadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  @Parameter MountOptions.Backend backend;

  private static String digestOf(String flavour) throws IOException {
    return JSON.readTree(Files.readAllBytes(Shared.fixture("edge." + flavour + ".json")))
        .get("digest").asText();
  }

  private Path layer(Path mnt, String ref, String flavour) throws IOException {
    return mnt.resolve(ImageDirectoryName.encode(ref)).resolve(digestOf(flavour));
  }

  @Test
  void readingOneFileFetchesOnlyTocAndThatFilesChunks() throws Exception {
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/edge:1", List.of(Shared.fixture("edge.estargz.blob")),
            List.of(Shared.fixture("edge.estargz.json")));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path l = layer(h.mount(tmp.resolve("mnt"), backend), "t.test/edge:1", "estargz");
      long afterOpen = 0;
      assertTrue(Files.isDirectory(l.resolve("diff")));
      afterOpen = src.bytesRead.get();
      assertEquals("layer-store\n", Files.readString(l.resolve("diff/etc/hostname")));
      long forFile = src.bytesRead.get() - afterOpen;
      long blobSize = Files.size(Shared.fixture("edge.estargz.blob"));
      assertTrue(afterOpen < 200_000, "opening read " + afterOpen + " bytes");
      assertTrue(forFile < 2_000, "a 12-byte file cost " + forFile + " bytes");
      assertTrue(src.bytesRead.get() < blobSize / 10,
          "fetched " + src.bytesRead.get() + " of " + blobSize);
    }
  }

  @Test
  void corruptChunkFailsThatFileWithEioOthersStillRead() throws Exception {
    Path blob = tmp.resolve("corrupt.blob");
    Files.copy(Shared.fixture("edge.estargz.blob"), blob);
    LayerEntry victim;
    try (FileRangeSource f = FileRangeSource.open(blob)) {
      OpenedLayer o = org.stargzstore.estargz.layer.LayerOpener.open(f, LayerFormats.options().build());
      victim = o.index().entry("bin/rand-1048576").orElseThrow();
    }
    // flip one byte in the middle of the third chunk's compressed data
    var c = victim.chunks().get(2);
    long pos = (c.compressedOffset() + c.compressedEnd()) / 2;
    try (var ch = java.nio.channels.FileChannel.open(blob, java.nio.file.StandardOpenOption.WRITE,
        java.nio.file.StandardOpenOption.READ)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, pos);
      b.put(0, (byte) (b.get(0) ^ 0x40));
      b.rewind();
      ch.write(b, pos);
    }
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/corrupt:1", List.of(blob), List.of(Shared.fixture("edge.estargz.json")));
    List<String> logs = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        logs.add(r.getLevel() + " " + r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger fetchLog = Logger.getLogger("org.stargzstore.fs.fetch");
    fetchLog.addHandler(capture);
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path l = layer(h.mount(tmp.resolve("mnt"), backend), "t.test/corrupt:1", "estargz");
      IOException e = assertThrows(IOException.class,
          () -> Files.readAllBytes(l.resolve("diff/bin/rand-1048576")));
      assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
      // the first two chunks are fine and readable on their own
      try (var ch = Files.newByteChannel(l.resolve("diff/bin/rand-1048576"))) {
        assertEquals(65536, ch.read(java.nio.ByteBuffer.allocate(65536)));
      }
      assertEquals("layer-store\n", Files.readString(l.resolve("diff/etc/hostname")));
      String line = logs.stream().filter(s -> s.contains("NOT serving")).findFirst().orElse("");
      assertTrue(line.contains("t.test/corrupt:1") && line.contains("bin/rand-1048576")
          && line.contains("file offset 131072"), "log: " + logs);
      assertTrue(h.store.loadedLayer(Digest.parse(digestOf("estargz"))).orElseThrow()
          .fetcher().stats().verifyFailures() >= 1);
    } finally {
      fetchLog.removeHandler(capture);
    }
  }

  @Test
  void concurrentReadersGetExactBytes() throws Exception {
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/edge:1", List.of(Shared.fixture("edge.zstd-podman.blob")),
            List.of(Shared.fixture("edge.zstd-podman.json")));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src, LayerStoreConfig.defaults())) {
      Path diff = layer(h.mount(tmp.resolve("mnt"), backend), "t.test/edge:1", "zstd-podman")
          .resolve("diff");
      Path ref = tmp.resolve("ref");
      Files.createDirectories(ref);
      org.stargzstore.testkit.ExternalTools.run(List.of("bash", "-c", "zstd -dc "
          + Shared.fixture("edge.zstd-podman.blob") + " | tar -xf - -C " + ref), 60)
          .requireSuccess();
      List<Path> files = new ArrayList<>();
      try (Stream<Path> s = Files.walk(ref)) {
        s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            && !p.getFileName().toString().startsWith(".wh."))
            .forEach(files::add);
      }
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<String>> results = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (Path f : files) {
          Path rel = ref.relativize(f);
          results.add(pool.submit(() -> {
            String want = TreeSnapshot.sha256(f);
            String got = TreeSnapshot.sha256(diff.resolve(rel.toString()));
            return want.equals(got) ? "" : rel + " differs";
          }));
        }
      }
      List<String> bad = new ArrayList<>();
      for (Future<String> r : results) {
        if (!r.get().isEmpty()) {
          bad.add(r.get());
        }
      }
      pool.shutdown();
      assertTrue(bad.isEmpty(), bad.toString());
    }
  }

  @Test
  void restartReopensFromTheStoreWithoutRequests() throws Exception {
    Path root = tmp.resolve("root");
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/edge:1", List.of(Shared.fixture("edge.zstd-stargz.blob")),
            List.of(Shared.fixture("edge.zstd-stargz.json")));
    String want;
    try (StoreHarness h = new StoreHarness(root, src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path l = layer(h.mount(tmp.resolve("mnt"), backend), "t.test/edge:1", "zstd-stargz");
      want = TreeSnapshot.sha256(l.resolve("diff/bin/rand-3145745"));
      Thread.sleep(500); // let the background store writes land
    }
    long before = src.bytesRead.get();
    long resolvesBefore = src.resolves.get();
    try (StoreHarness h = new StoreHarness(root, src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path l = layer(h.mount(tmp.resolve("mnt"), backend), "t.test/edge:1", "zstd-stargz");
      assertEquals(want, TreeSnapshot.sha256(l.resolve("diff/bin/rand-3145745")));
      assertEquals(before, src.bytesRead.get(), "nothing fetched after the restart");
      assertEquals(resolvesBefore, src.resolves.get(), "the manifest was not fetched again");
      assertTrue(h.store.loadedLayer(Digest.parse(digestOf("zstd-stargz"))).orElseThrow()
          .tocFromStore());
    }
  }

  @Test
  void badNamesAndUnknownLayersAreEnoentAndCounted() throws Exception {
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/edge:1", List.of(Shared.fixture("edge.estargz.blob")),
            List.of(Shared.fixture("edge.estargz.json")));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src, LayerStoreConfig.defaults())) {
      Path mnt = h.mount(tmp.resolve("mnt"), backend);
      assertThrows(NoSuchFileException.class, () -> Files.readAttributes(
          mnt.resolve("not-base64!"), "unix:mode"));
      assertThrows(NoSuchFileException.class, () -> Files.readAttributes(
          mnt.resolve(ImageDirectoryName.encode("no spaces allowed")), "unix:mode"));
      assertThrows(NoSuchFileException.class, () -> Files.readAttributes(
          mnt.resolve(ImageDirectoryName.encode("t.test/missing:1")).resolve("x"), "unix:mode"));
      Path img = mnt.resolve(ImageDirectoryName.encode("t.test/edge:1"));
      assertThrows(NoSuchFileException.class, () -> Files.readAttributes(
          img.resolve(Digest.of(new byte[1]).toString()).resolve("diff"), "unix:mode"));
      FallbackCounters c = h.store.counters();
      assertEquals(1, c.get(NotLazyException.Reason.BAD_NAME));
      assertEquals(1, c.get(NotLazyException.Reason.BAD_REFERENCE));
      assertTrue(c.get(NotLazyException.Reason.REGISTRY_ERROR) >= 1);
      assertTrue(c.get(NotLazyException.Reason.UNKNOWN_LAYER) >= 1);
    }
  }
}
