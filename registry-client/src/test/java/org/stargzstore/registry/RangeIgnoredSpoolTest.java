package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;
import org.stargzstore.types.io.ByteRange;

/**
 * A source that ignores {@code Range} costs one transfer per blob: the first whole-blob answer
 * is spooled to disk and every read (concurrent, like the file system's) is served from it as
 * its bytes arrive; a transfer cut off part-way resumes; once the spool expires the blob is read
 * with ranges again, which a pull-through cache that now holds the blob serves. Against the real
 * registry in pull-through mode and {@link FaultProxy}.
 */
@IntegrationTest
class RangeIgnoredSpoolTest {
  private static final int SIZE = 12 << 20;
  private static Path work;
  private static RegistryServer origin;
  private static final byte[] LAYER = TestImages.random(SIZE, 171);
  private static final byte[] OTHER = TestImages.random(SIZE, 172);

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("srs-spool-");
    origin = RegistryServer.builder().build();
    origin.start();
    try (RegistryClient c = TestSetup.insecureClient(work, origin.hostPort())) {
      TestImages.push(c, ImageReference.parse(origin.hostPort() + "/team/app:1"), LAYER);
      TestImages.push(c, ImageReference.parse(origin.hostPort() + "/team/other:1"), OTHER);
    }
  }

  @AfterAll
  static void stop() {
    origin.stop();
    TempDirs.deleteRecursively(work);
  }

  /** A GET of one of the layers (not of a config). */
  private static boolean layerGet(FaultProxy.Request r) {
    return r.isBlobGet() && (r.path().contains(Digest.of(LAYER).hex())
        || r.path().contains(Digest.of(OTHER).hex()));
  }

  private RegistryClient client(String mirror, Duration idleExpiry) throws Exception {
    Path conf = dir.resolve("registries.conf");
    Files.writeString(conf, "[[registry]]\nlocation = \"" + origin.hostPort()
        + "\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"" + mirror
        + "\"\ninsecure = true\n", StandardCharsets.UTF_8);
    return RegistryClient.create(TestSetup.config(dir, conf)
        .spoolDirectory(dir.resolve("spool"))
        .spoolIdleExpiry(idleExpiry)
        .rangeIgnoredByMirror(RangeIgnoredByMirror.SPOOL) // these mirrors have the origin after
        .build());
  }

  /** The footer first, then 200 reads of 4-64 KiB at random offsets on 8 threads. */
  static void readLikeTheFetcher(RegistryBlob blob, byte[] expected) throws Exception {
    int n = expected.length;
    assertArrayEquals(Arrays.copyOfRange(expected, n - 51, n), blob.read(n - 51, 51));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> reads = new ArrayList<>();
      Random rnd = new Random(17);
      for (int i = 0; i < 200; i++) {
        int len = 4096 + rnd.nextInt(60 << 10);
        long off = rnd.nextInt(n - len);
        reads.add(pool.submit(() -> {
          assertArrayEquals(Arrays.copyOfRange(expected, (int) off, (int) off + len),
              blob.read(off, len));
          return null;
        }));
      }
      for (Future<?> f : reads) {
        f.get(); // any failed or wrong read fails the test
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static long spoolFiles(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  @Test
  void pullThroughCacheCostsOneTransferThenServesRangesAfterExpiry() throws Exception {
    RegistryServer cache = RegistryServer.builder().pullThroughCacheOf(origin.baseUri()).build();
    cache.start();
    // a proxy without faults in front of the cache, to see what it answered
    try (FaultProxy watch = FaultProxy.start(cache.baseUri());
        RegistryClient c = client(watch.hostPort(), Duration.ofMillis(300))) {
      ResolvedImage img = c.resolve(ImageReference.parse(origin.hostPort() + "/team/app:1"));
      assertEquals(watch.hostPort(), img.source().registry());
      RegistryBlob blob = c.blob(img, img.layers().get(0));
      long before = c.stats().bytesReceived();
      readLikeTheFetcher(blob, LAYER);
      long received = c.stats().bytesReceived() - before;
      assertTrue(received <= SIZE * 1.05, "received " + received + " for a blob of " + SIZE);
      assertEquals(1, c.stats().spools());
      assertEquals(SIZE, c.stats().bytesSpooled());
      assertTrue(watch.seen().stream().anyMatch(s -> s.range() != null && s.status() == 200),
          "the cache answered a range with the whole blob first: " + watch.seen());
      watch.clearSeen();

      // idle: the spool is deleted, and the cache, which holds the blob now, serves a range
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (spoolFiles(dir.resolve("spool")) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(0, spoolFiles(dir.resolve("spool")));
      before = c.stats().bytesReceived();
      assertArrayEquals(Arrays.copyOfRange(LAYER, 5000, 6000), blob.read(5000, 1000));
      long ranged = c.stats().bytesReceived() - before;
      assertTrue(ranged < 64 << 10, "a range read after expiry received " + ranged);
      assertEquals(1, c.stats().spools(), "no second spool: the cache answered 206");
      assertEquals(List.of(206), watch.seen().stream().filter(s -> s.range() != null)
          .map(FaultProxy.Seen::status).toList(), "after expiry: " + watch.seen());
    } finally {
      cache.stop();
    }
  }

  @Test
  void concurrentWholeBlobAnswersMakeOneSpoolAndOneTransfer() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(origin.baseUri())) {
      proxy.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.ignoreRange(), -1);
      try (RegistryClient c = client(proxy.hostPort(), Duration.ofSeconds(60))) {
        ResolvedImage img = c.resolve(ImageReference.parse(origin.hostPort() + "/team/app:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        long before = c.stats().bytesReceived();
        // several reads at once before anything is spooled: each may get a 200
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
          List<Future<byte[]>> first = new ArrayList<>();
          for (int i = 0; i < 4; i++) {
            long off = SIZE - (i + 1) * 100_000L;
            first.add(pool.submit(() -> blob.read(off, 1000)));
          }
          for (int i = 0; i < 4; i++) {
            int off = SIZE - (i + 1) * 100_000;
            assertArrayEquals(Arrays.copyOfRange(LAYER, off, off + 1000), first.get(i).get());
          }
        } finally {
          pool.shutdownNow();
        }
        readLikeTheFetcher(blob, LAYER);
        // a stream and multi-range reads come from the spool too
        try (var in = blob.openStream(1_000_000, 3_000_000)) {
          assertArrayEquals(Arrays.copyOfRange(LAYER, 1_000_000, 4_000_000), in.readAllBytes());
        }
        List<byte[]> parts = blob.readRanges(List.of(new ByteRange(10, 100),
            new ByteRange(5_000_000, 100)));
        assertArrayEquals(Arrays.copyOfRange(LAYER, 5_000_000, 5_000_100), parts.get(1));
        long received = c.stats().bytesReceived() - before;
        assertEquals(1, c.stats().spools());
        assertTrue(received <= SIZE * 1.05, "received " + received + " for a blob of " + SIZE);
        assertEquals(1, Files.list(dir.resolve("spool")).count(), "one spool file");
      }
      assertEquals(0, spoolFiles(dir.resolve("spool")), "closing the client deletes spools");
    }
  }

  @Test
  void transferCutOffResumesWithARangeWhereTheHostHonoursIt() throws Exception {
    try (FaultProxy inner = FaultProxy.start(origin.baseUri());
        FaultProxy outer = FaultProxy.start(inner.baseUri())) {
      inner.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.ignoreRange(), 1);
      outer.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.truncate(3 << 20), 1);
      try (RegistryClient c = client(outer.hostPort(), Duration.ofSeconds(60))) {
        ResolvedImage img = c.resolve(ImageReference.parse(origin.hostPort() + "/team/other:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        long before = c.stats().bytesReceived();
        readLikeTheFetcher(blob, OTHER);
        long received = c.stats().bytesReceived() - before;
        assertTrue(received <= SIZE * 1.05, "received " + received + " for a blob of " + SIZE);
        assertEquals(1, c.stats().spools());
        assertTrue(outer.seen().stream().anyMatch(s -> s.range() != null
            && s.range().matches("bytes=[1-9]\\d*-")), "resumed with an open range: "
            + outer.seen());
      }
    }
  }

  @Test
  void transferCutOffRestartsWhereTheHostIgnoresRangeAndNoReadFails() throws Exception {
    try (FaultProxy inner = FaultProxy.start(origin.baseUri());
        FaultProxy outer = FaultProxy.start(inner.baseUri())) {
      inner.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.ignoreRange(), -1);
      outer.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.truncate(3 << 20), 1);
      try (RegistryClient c = client(outer.hostPort(), Duration.ofSeconds(60))) {
        ResolvedImage img = c.resolve(ImageReference.parse(origin.hostPort() + "/team/other:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        readLikeTheFetcher(blob, OTHER);
        assertEquals(1, c.stats().spools());
        assertEquals(SIZE, c.stats().bytesSpooled(), "bytes already spooled are not rewritten");
        assertTrue(c.stats().snapshot().bytesDiscarded() > 0,
            "the restarted transfer skipped what was spooled");
      }
    }
  }

  @Test
  void aTransferThatKeepsFailingFailsItsReadersOnceTriesRunOutThenRangeIsTriedAgain()
      throws Exception {
    try (FaultProxy inner = FaultProxy.start(origin.baseUri());
        FaultProxy outer = FaultProxy.start(inner.baseUri())) {
      inner.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.ignoreRange(), -1);
      outer.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.truncate(1 << 20), -1);
      Path conf = dir.resolve("registries.conf");
      Files.writeString(conf, "[[registry]]\nlocation = \"" + outer.hostPort()
          + "\"\ninsecure = true\n", StandardCharsets.UTF_8);
      try (RegistryClient c = RegistryClient.create(TestSetup.config(dir, conf)
          .spoolDirectory(dir.resolve("spool")).build())) {
        ResolvedImage img = c.resolve(ImageReference.parse(outer.hostPort() + "/team/app:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        IOException e = assertThrows(IOException.class, () -> blob.read(SIZE - 100, 100));
        assertTrue(e.getMessage().contains("spooling " + blob.describe())
            && e.getMessage().contains("transfer failed at byte"), e.getMessage());
        assertEquals(0, spoolFiles(dir.resolve("spool")), "the failed spool is removed");
        assertTrue(outer.seen().stream().filter(sn -> layerGet(new FaultProxy.Request("GET",
            sn.target(), java.util.Map.of()))).count() >= TestSetup.FAST_RETRIES.maxAttempts(),
            "the transfer was resumed until the tries ran out: " + outer.seen());

        // the source mends: the next read asks for a range, and gets one
        outer.clearFaults();
        inner.clearFaults();
        assertArrayEquals(Arrays.copyOfRange(LAYER, SIZE - 100, SIZE), blob.read(SIZE - 100, 100));
        assertEquals(1, c.stats().spools(), "no new spool: the range was honoured");
      }
    }
  }

  @Test
  void aFullDiskFailsTheReadClearlyAndRemovesTheSpool() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small-disk"));
    ExternalTools.Result m = ExternalTools.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m",
        "tmpfs", small.toString()), 30);
    assumeTrue(m.exitCode() == 0, "needs root to mount a small tmpfs: " + m.output());
    try (FaultProxy proxy = FaultProxy.start(origin.baseUri())) {
      proxy.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.ignoreRange(), -1);
      Path conf = dir.resolve("registries.conf");
      Files.writeString(conf, "[[registry]]\nlocation = \"" + proxy.hostPort()
          + "\"\ninsecure = true\n", StandardCharsets.UTF_8);
      try (RegistryClient c = RegistryClient.create(TestSetup.config(dir, conf)
          .spoolDirectory(small.resolve("spool")).build())) {
        ResolvedImage img = c.resolve(ImageReference.parse(proxy.hostPort() + "/team/app:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        IOException e = assertThrows(IOException.class, () -> blob.read(SIZE - 100, 100));
        assertTrue(e.getMessage().contains("No space left on device")
            && e.getMessage().contains(small.resolve("spool").toString())
            && e.getMessage().contains(Digest.of(LAYER).toString()), e.getMessage());
        assertEquals(0, spoolFiles(small.resolve("spool")), "the spool is removed");
      }
    } finally {
      ExternalTools.run(List.of("umount", small.toString()), 30);
    }
  }

  @Test
  void closingTheClientMidTransferStopsItQuietlyAndDeletesTheSpool() throws Exception {
    try (FaultProxy inner = FaultProxy.start(origin.baseUri());
        FaultProxy outer = FaultProxy.start(inner.baseUri());
        LogCapture log = new LogCapture()) {
      inner.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.ignoreRange(), -1);
      outer.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.slow(64 << 10,
          Duration.ofMillis(50)), 1);
      RegistryClient c = client(outer.hostPort(), Duration.ofSeconds(60));
      try {
        ResolvedImage img = c.resolve(ImageReference.parse(origin.hostPort() + "/team/app:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        assertArrayEquals(Arrays.copyOfRange(LAYER, 0, 100), blob.read(0, 100));
        assertEquals(1, spoolFiles(dir.resolve("spool")));
      } finally {
        c.close();
      }
      assertEquals(0, spoolFiles(dir.resolve("spool")));
      assertTrue(c.stats().bytesSpooled() < SIZE, "closed mid-transfer");
      Thread.sleep(200);
      // no failure reported, no resume tried: the transfer just ends
      assertTrue(log.text().lines().noneMatch(l -> l.startsWith("WARNING org.stargzstore.registry"
          + ".BlobSpool ") || l.startsWith("INFO org.stargzstore.registry.BlobSpool ")),
          log.text());
    }
  }

  @Test
  void theSpoolIsAFileThatGrowsWhileReadersWait() throws Exception {
    try (FaultProxy inner = FaultProxy.start(origin.baseUri());
        FaultProxy outer = FaultProxy.start(inner.baseUri())) {
      inner.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.ignoreRange(), -1);
      // the whole blob arrives slowly: 256 KiB every 50 ms
      outer.inject(RangeIgnoredSpoolTest::layerGet, FaultProxy.slow(256 << 10,
          Duration.ofMillis(50)), 1);
      try (RegistryClient c = client(outer.hostPort(), Duration.ofSeconds(60))) {
        ResolvedImage img = c.resolve(ImageReference.parse(origin.hostPort() + "/team/app:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        assertArrayEquals(Arrays.copyOfRange(LAYER, 0, 100), blob.read(0, 100));
        Path spool;
        try (Stream<Path> s = Files.list(dir.resolve("spool"))) {
          spool = s.findFirst().orElseThrow();
        }
        long early = Files.size(spool);
        assertArrayEquals(Arrays.copyOfRange(LAYER, SIZE - 100, SIZE), blob.read(SIZE - 100, 100));
        assertTrue(early < SIZE, "the first read did not wait for the whole blob: " + early);
        assertEquals(SIZE, Files.size(spool));
      }
    }
  }
}
