package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;

/**
 * {@link RangeIgnoredByMirror#WAIT_FOR_CACHE}: a mirror with the origin after it that answers a
 * range with the whole blob (a pull-through cache that does not hold it yet) is left at once and
 * waited for until it answers ranges, so the origin sends the blob about once for the cache's
 * own copy and the node receives about what it reads; a mirror that never answers ranges costs
 * the reads a bounded wait, then they are served by the origin; an origin that ignores Range
 * itself is still spooled. Against the real registry in pull-through mode, behind
 * {@link FaultProxy}s that shape and count the origin's link.
 */
@IntegrationTest
class MirrorCacheFillTest {
  private static final int SIZE = 16 << 20;
  private static final byte[] LAYER = TestImages.random(SIZE, 181);
  private static Path work;
  private static RegistryServer origin;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("srs-fill-");
    origin = RegistryServer.builder().build();
    origin.start();
    try (RegistryClient c = TestSetup.insecureClient(work, origin.hostPort())) {
      TestImages.push(c, ImageReference.parse(origin.hostPort() + "/team/app:1"), LAYER);
    }
  }

  @AfterAll
  static void stop() {
    origin.stop();
    TempDirs.deleteRecursively(work);
  }

  private static boolean layerGet(FaultProxy.Request r) {
    return r.isBlobGet() && r.path().contains(Digest.of(LAYER).hex());
  }

  /** A client whose registries.conf names {@code registry} with {@code mirror} before it. */
  private RegistryClient client(String registry, String mirror,
      RegistryClientConfig.Builder extra) throws Exception {
    Path conf = dir.resolve("registries.conf");
    Files.writeString(conf, "[[registry]]\nlocation = \"" + registry
        + "\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"" + mirror
        + "\"\ninsecure = true\n", StandardCharsets.UTF_8);
    RegistryClientConfig.Builder b = extra.registriesConf(conf, true)
        .spoolDirectory(dir.resolve("spool"));
    return RegistryClient.create(b.build());
  }

  private RegistryClientConfig.Builder config() {
    return TestSetup.config(dir, dir.resolve("registries.conf"));
  }

  /**
   * Reads the whole blob once on 8 threads, as a layer's files are read: first 8 small reads
   * at once (the footer and others: all arrive while the blob is cold), then 8 disjoint slices
   * streamed; every byte is checked.
   */
  private static void readConcurrentlyOnce(RegistryBlob blob) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> reads = new ArrayList<>();
      int slice = SIZE / 8;
      for (int i = 0; i < 8; i++) {
        int off = SIZE - 51 - i * slice;
        reads.add(pool.submit(() -> {
          assertArrayEquals(Arrays.copyOfRange(LAYER, off, off + 51), blob.read(off, 51));
          return null;
        }));
      }
      for (Future<?> f : reads) {
        f.get();
      }
      reads.clear();
      for (int i = 0; i < 8; i++) {
        int off = i * slice;
        reads.add(pool.submit(() -> {
          try (InputStream in = blob.openStream(off, slice)) {
            assertArrayEquals(Arrays.copyOfRange(LAYER, off, off + slice), in.readAllBytes());
          }
          return null;
        }));
      }
      for (Future<?> f : reads) {
        f.get(); // a failed or wrong read fails the test
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aColdPullThroughCacheCostsTheOriginAboutOneCopyAndTheNodeWhatItReads()
      throws Exception {
    // the origin's link: layer bodies leave at about 5 MB/s, counted as they are written
    try (FaultProxy originLink = FaultProxy.start(origin.baseUri())) {
      originLink.inject(MirrorCacheFillTest::layerGet, FaultProxy.slow(32 << 10,
          Duration.ofMillis(6)), -1);
      RegistryServer cache = RegistryServer.builder().pullThroughCacheOf(originLink.baseUri())
          .build();
      cache.start();
      // no proxy between the node and the cache: FaultProxy reads a whole answer before
      // passing it on, so the cache would not see the node close it
      try (RegistryClient c = client(originLink.hostPort(), cache.hostPort(), config());
          LogCapture log = new LogCapture()) {
        ResolvedImage img = c.resolve(ImageReference.parse(originLink.hostPort()
            + "/team/app:1"));
        assertEquals(cache.hostPort(), img.source().registry());
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        long originBefore = originLink.bodyBytesSent();
        long before = c.stats().bytesReceived();

        readConcurrentlyOnce(blob); // every byte checked

        long received = c.stats().bytesReceived() - before;
        assertTrue(received <= SIZE * 1.05, "the node received " + received
            + " bytes for a blob of " + SIZE + ": " + c.stats().snapshot());
        assertEquals(0, c.stats().spools(), "nothing spooled: the 200 was closed");
        assertTrue(log.text().contains("registry " + cache.hostPort() + " ignores Range"),
            "the cold cache sent the blob whole first: " + log.text());
        assertTrue(log.text().contains("the mirror holds it now"), log.text());
        assertTrue(originLink.seen().stream().noneMatch(s -> s.range() != null),
            "no read went to the origin: " + originLink.seen());

        // the origin: the cache's own copy, plus what aborted answers and probes had sent
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (originLink.bodyBytesSent() - originBefore < SIZE
            && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        long originSent = originLink.bodyBytesSent() - originBefore;
        System.out.printf("origin sent %d, node received %d, blob %d (%.3fx, %.3fx)%n",
            originSent, received, SIZE, (double) originSent / SIZE, (double) received / SIZE);
        assertTrue(originSent >= SIZE, "the cache stored its copy: " + originSent);
        assertTrue(originSent <= SIZE * 1.1, "the origin sent " + originSent
            + " bytes for a blob of " + SIZE + ": " + originLink.seen());
      } finally {
        cache.stop();
      }
    }
  }

  /**
   * A whole-blob read (the layer's {@code blob} file, a copy, a small layer's background stream)
   * that starts while the cache is filling waits for the fill like any other read: reading the
   * cold cache's 200 would be the cache's second copy from the origin (distribution streams one
   * per request it cannot serve from storage). Before, a read of the whole blob took that 200.
   */
  @Test
  void aWholeBlobReadDuringTheFillWaitsForTheCacheInsteadOfCostingTheOriginASecondCopy()
      throws Exception {
    try (FaultProxy originLink = FaultProxy.start(origin.baseUri())) {
      originLink.inject(MirrorCacheFillTest::layerGet, FaultProxy.slow(32 << 10,
          Duration.ofMillis(6)), -1);
      RegistryServer cache = RegistryServer.builder().pullThroughCacheOf(originLink.baseUri())
          .build();
      cache.start();
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try (RegistryClient c = client(originLink.hostPort(), cache.hostPort(), config());
          LogCapture log = new LogCapture()) {
        ResolvedImage img = c.resolve(ImageReference.parse(originLink.hostPort()
            + "/team/app:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        long originBefore = originLink.bodyBytesSent();
        long before = c.stats().bytesReceived();

        // a demand read of the footer meets the cold cache and starts the fill...
        Future<byte[]> footer = pool.submit(() -> blob.read(SIZE - 51, 51));
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!log.text().contains("ignores Range") && System.nanoTime() < until) {
          Thread.sleep(20);
        }
        assertTrue(log.text().contains("ignores Range"), "the cold cache sent the blob whole: "
            + log.text());
        // ...and the whole blob is read while the cache is still filling
        Future<byte[]> whole = pool.submit(() -> {
          java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(SIZE);
          blob.copyTo(out); // verifies the digest
          return out.toByteArray();
        });
        assertArrayEquals(LAYER, whole.get());
        assertArrayEquals(Arrays.copyOfRange(LAYER, SIZE - 51, SIZE), footer.get());

        long received = c.stats().bytesReceived() - before;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (originLink.bodyBytesSent() - originBefore < SIZE
            && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        Thread.sleep(500); // what aborted copies still had on their way
        long originSent = originLink.bodyBytesSent() - originBefore;
        System.out.printf("whole-blob read during the fill: origin sent %d, node received %d,"
            + " blob %d (%.3fx, %.3fx)%n", originSent, received, SIZE,
            (double) originSent / SIZE, (double) received / SIZE);
        assertTrue(originSent <= SIZE * 1.1, "the origin sent " + originSent
            + " bytes for a blob of " + SIZE + " (a second copy for the whole-blob read?) in "
            + originLink.seen().stream().filter(r -> r.fault().equals("Slow")).count()
            + " layer GETs");
        assertTrue(received <= SIZE * 1.1, "the node received " + received + " bytes: "
            + c.stats().snapshot());
        assertTrue(log.text().contains("the mirror holds it now"), log.text());
      } finally {
        pool.shutdownNow();
        cache.stop();
      }
    }
  }

  @Test
  void aMirrorThatNeverServesRangesCostsABoundedWaitThenTheOriginServesEveryRead()
      throws Exception {
    try (FaultProxy mirror = FaultProxy.start(origin.baseUri());
        FaultProxy originWatch = FaultProxy.start(origin.baseUri())) {
      mirror.inject(MirrorCacheFillTest::layerGet, FaultProxy.ignoreRange(), -1);
      Duration readTimeout = Duration.ofSeconds(30);
      try (RegistryClient c = client(originWatch.hostPort(), mirror.hostPort(),
          config().callTimeout(readTimeout).cacheFillMinRate(64L << 20))) {
        ResolvedImage img = c.resolve(ImageReference.parse(originWatch.hostPort()
            + "/team/app:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        long t0 = System.nanoTime();
        assertArrayEquals(Arrays.copyOfRange(LAYER, SIZE - 100, SIZE), blob.read(SIZE - 100,
            100));
        Duration first = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(first.compareTo(readTimeout) < 0, "within its deadline: " + first);
        assertTrue(first.compareTo(CacheFill.MIN_BUDGET.minusMillis(500)) >= 0,
            "the first read waited for the mirror's cache: " + first);
        long before = c.stats().bytesReceived();
        readConcurrentlyOnce(blob); // no read fails, every byte right
        RangeIgnoredSpoolTest.readLikeTheFetcher(blob, LAYER); // random reads too
        long received = c.stats().bytesReceived() - before;
        assertTrue(received > 0, "read from the origin");
        assertEquals(0, c.stats().spools());
        assertTrue(originWatch.seen().stream().filter(s -> s.range() != null)
            .allMatch(s -> s.status() == 206), "the origin served ranges: "
            + originWatch.seen());
        assertTrue(originWatch.seen().stream().filter(s -> s.range() != null).count() > 10,
            "reads went to the origin: " + originWatch.seen());
        // probing goes on in the background, one probe at a time
        long probes = mirror.seen().stream().filter(s -> "bytes=0-0".equals(s.range())).count();
        assertTrue(probes >= 3, "the mirror was probed: " + mirror.seen());
        assertTrue(mirror.seen().stream().filter(s -> s.range() != null && layerGet(
            new FaultProxy.Request("GET", s.target(), java.util.Map.of())))
            .count() <= probes + 2, "reads past the wait did not ask the mirror: "
            + mirror.seen());
      }
    }
  }

  @Test
  void anOriginThatIgnoresRangeItselfIsStillSpooled() throws Exception {
    try (FaultProxy originLink = FaultProxy.start(origin.baseUri());
        FaultProxy mirror = FaultProxy.start(origin.baseUri())) {
      originLink.inject(MirrorCacheFillTest::layerGet, FaultProxy.ignoreRange(), -1);
      mirror.inject(MirrorCacheFillTest::layerGet, FaultProxy.status(404), -1);
      try (RegistryClient c = client(originLink.hostPort(), mirror.hostPort(), config())) {
        ResolvedImage img = c.resolve(ImageReference.parse(originLink.hostPort()
            + "/team/app:1"));
        RegistryBlob blob = c.blob(img, img.layers().get(0));
        long before = c.stats().bytesReceived();
        RangeIgnoredSpoolTest.readLikeTheFetcher(blob, LAYER);
        long received = c.stats().bytesReceived() - before;
        assertEquals(1, c.stats().spools(), "the last source's 200 is spooled");
        assertEquals(SIZE, c.stats().bytesSpooled());
        assertTrue(received <= SIZE * 1.05, "received " + received + " for " + SIZE);
      }
    }
  }
}
