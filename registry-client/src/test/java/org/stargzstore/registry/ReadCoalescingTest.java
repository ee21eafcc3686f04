package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;

/**
 * How concurrent reads of one blob are combined ({@link ReadCoalescer}), observed at a proxy in
 * front of the real registry: sequential readers share a few streaming requests, random reads
 * still run in parallel, reads queued behind a busy blob go out as one multi-range request, an
 * abandoned read-ahead is cut off rather than drained, and a reader whose deadline passed is
 * never written to afterwards. Every byte is checked against the pushed data.
 */
@IntegrationTest
class ReadCoalescingTest {
  private static Path work;
  private static RegistryServer registry;
  private static FaultProxy proxy;
  private static final byte[] DATA = TestImages.random(40 << 20, 71);
  private static ImageReference ref;
  private static org.stargzstore.types.Digest digest;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("srs-coalesce-");
    registry = RegistryServer.builder().build();
    registry.start();
    proxy = FaultProxy.start(registry.baseUri());
    try (RegistryClient c = TestSetup.insecureClient(work.resolve("push"), registry.hostPort())) {
      BlobContent content = BlobContent.ofBytes(DATA);
      c.pushBlob(ImageReference.parse(registry.hostPort() + "/co/blob:1"), content,
          PushOptions.monolithic());
      digest = content.digest();
    }
    ref = ImageReference.parse(proxy.hostPort() + "/co/blob:1");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    registry.stop();
    TempDirs.deleteRecursively(work);
  }

  @AfterEach
  void clean() {
    proxy.clearFaults();
    proxy.clearSeen();
  }

  private static RegistryClient client(int concurrency) throws Exception {
    Path d = work.resolve("c" + System.nanoTime());
    return RegistryClient.create(TestSetup.config(d, TestSetup.insecureRegistriesConf(d,
        proxy.hostPort())).blobRequestConcurrency(concurrency).build());
  }

  private static RegistryBlob blob(RegistryClient c) throws Exception {
    return c.blob(ref, digest, DATA.length);
  }

  private static long blobGets() {
    return proxy.seen().stream().filter(s -> s.method().equals("GET")
        && s.target().contains("/blobs/")).count();
  }

  private static byte[] expected(long off, int len) {
    return Arrays.copyOfRange(DATA, (int) off, (int) off + len);
  }

  @Test
  void sequentialReadersShareAFewStreamingRequests() throws Exception {
    try (RegistryClient c = client(4)) {
      RegistryBlob b = blob(c);
      int range = 256 << 10;
      int count = (16 << 20) / range;
      AtomicInteger next = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          fs.add(pool.submit(() -> {
            byte[] buf = new byte[range];
            int i;
            while ((i = next.getAndIncrement()) < count) {
              long off = (long) i * range;
              b.readFully(off, buf, 0, range, Duration.ofSeconds(30));
              assertArrayEquals(expected(off, range), buf, "range " + i);
            }
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      assertTrue(blobGets() <= count / 4, count + " reads took " + blobGets() + " requests");
    }
  }

  @Test
  void randomReadsStillRunInParallel() throws Exception {
    try (RegistryClient c = client(4)) {
      RegistryBlob b = blob(c);
      proxy.inject(r -> r.isBlobGet(), FaultProxy.delay(Duration.ofMillis(500)), -1);
      long[] offsets = {1_000_000, 9_000_000, 17_000_000, 30_000_000};
      ExecutorService pool = Executors.newFixedThreadPool(4);
      long start = System.nanoTime();
      try {
        List<Future<byte[]>> fs = new ArrayList<>();
        for (long off : offsets) {
          fs.add(pool.submit(() -> b.read(off, 1000)));
        }
        for (int i = 0; i < offsets.length; i++) {
          assertArrayEquals(expected(offsets[i], 1000), fs.get(i).get());
        }
      } finally {
        pool.shutdownNow();
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < 1400, "four 500 ms requests in parallel took " + ms + " ms");
      assertEquals(4, blobGets());
    }
  }

  @Test
  void readsQueuedBehindABusyBlobGoOutAsOneMultiRangeRequest() throws Exception {
    try (RegistryClient c = client(1)) {
      RegistryBlob b = blob(c);
      proxy.inject(r -> r.isBlobGet(), FaultProxy.delay(Duration.ofMillis(700)), 1);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        Future<byte[]> first = pool.submit(() -> b.read(5_000_000, 100));
        Thread.sleep(200); // the first request is now in flight (held by the proxy)
        long[] offsets = {20_000_000, 1_000, 33_000_000};
        List<Future<byte[]>> queued = new ArrayList<>();
        for (long off : offsets) {
          queued.add(pool.submit(() -> b.read(off, 2000)));
        }
        assertArrayEquals(expected(5_000_000, 100), first.get());
        for (int i = 0; i < offsets.length; i++) {
          assertArrayEquals(expected(offsets[i], 2000), queued.get(i).get());
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(2, blobGets());
      String multi = proxy.seen().get(proxy.seen().size() - 1).range();
      assertEquals("bytes=1000-2999,20000000-20001999,33000000-33001999", multi);
    }
  }

  @Test
  void readerWhoseDeadlinePassedIsNeverWrittenAfterwards() throws Exception {
    try (RegistryClient c = client(1)) {
      RegistryBlob b = blob(c);
      proxy.inject(r -> r.isBlobGet(), FaultProxy.delay(Duration.ofMillis(800)), 2);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<byte[]> first = pool.submit(() -> b.read(0, 100));
        Thread.sleep(150);
        byte[] dst = new byte[5000];
        Arrays.fill(dst, (byte) 0x5a);
        RegistryNetworkException e = assertThrows(RegistryNetworkException.class,
            () -> b.readFully(7_000_000, dst, 0, dst.length, Duration.ofMillis(200)));
        assertTrue(e.getMessage().contains("deadline"), e.getMessage());
        first.get();
        Thread.sleep(1200); // long enough for any late write to have happened
        byte[] untouched = new byte[5000];
        Arrays.fill(untouched, (byte) 0x5a);
        assertArrayEquals(untouched, dst);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void readAheadNobodyWaitsForIsCutOffNotDrained() throws Exception {
    try (RegistryClient c = client(4)) {
      RegistryBlob b = blob(c);
      long before = c.stats().bytesReceived();
      assertArrayEquals(expected(0, 1 << 20), b.read(0, 1 << 20));
      // continues the previous read: requested with read-ahead, which nobody attaches to
      assertArrayEquals(expected(1 << 20, 1 << 20), b.read(1 << 20, 1 << 20));
      Thread.sleep(300);
      long received = c.stats().bytesReceived() - before;
      assertTrue(received < (16L << 20), "read 2 MiB, transferred " + received
          + " bytes: the read-ahead (to the end of the 40 MiB blob) was drained, not cut off");
      String second = proxy.seen().get(proxy.seen().size() - 1).range();
      assertEquals("bytes=" + (1 << 20) + "-" + (DATA.length - 1), second);
    }
  }
}
