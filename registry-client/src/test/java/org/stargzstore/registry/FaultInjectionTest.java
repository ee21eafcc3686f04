package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.errors.RegistryRateLimitedException;
import org.stargzstore.registry.errors.RegistryServerException;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.FaultProxy.Seen;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.io.ByteRange;

/**
 * Failures injected between the client and the real registry by {@link FaultProxy}: each is
 * retried or worked around within the retry policy, reported as the right typed error when it
 * persists, and never makes a read return wrong or partial bytes (every expected byte comes
 * from the local copy of the pushed blob).
 */
@IntegrationTest
class FaultInjectionTest {
  private static Path work;
  private static RegistryServer registry;
  private static FaultProxy proxy;
  private static RegistryClient client;
  private static final byte[] LAYER = TestImages.random(3 << 20, 61);
  private static ImageReference ref;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("srs-faults-");
    registry = RegistryServer.builder().build();
    registry.start();
    proxy = FaultProxy.start(registry.baseUri());
    client = TestSetup.insecureClient(work, registry.hostPort(), proxy.hostPort(),
        "localhost:" + proxy.baseUri().getPort());
    TestImages.push(client, ImageReference.parse(registry.hostPort() + "/faults/app:1"), LAYER);
    ref = ImageReference.parse(proxy.hostPort() + "/faults/app:1");
  }

  @AfterAll
  static void stop() {
    client.close();
    proxy.close();
    registry.stop();
    TempDirs.deleteRecursively(work);
  }

  @BeforeEach
  void clean() {
    proxy.clearFaults();
    proxy.clearSeen();
    proxy.redirectBlobs(false);
  }

  @AfterEach
  void noLeftovers() {
    proxy.clearFaults();
  }

  /** The layer, resolved without faults; the proxy's record is cleared afterwards. */
  private static RegistryBlob blob() throws Exception {
    ResolvedImage img = client.resolve(ref);
    RegistryBlob b = client.blob(img, img.layers().get(0));
    proxy.clearSeen();
    return b;
  }

  private static byte[] expected(long off, int len) {
    return Arrays.copyOfRange(LAYER, (int) off, (int) off + len);
  }

  private static long count(java.util.function.Predicate<Seen> p) {
    return proxy.seen().stream().filter(p).count();
  }

  @Test
  void connectionResetBeforeTheAnswerIsRetried() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.reset(), 2);
    assertArrayEquals(expected(1000, 5000), b.read(1000, 5000));
    // both resets were met and survived (by OkHttp's reconnect for a pooled connection or by
    // the retry policy)
    assertEquals(2, count(s -> s.fault().equals("Reset")));
  }

  @Test
  void serverErrorsAreRetriedThenReported() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.status(503), 2);
    assertArrayEquals(expected(0, 100), b.read(0, 100));
    proxy.inject(r -> r.isBlobGet(), FaultProxy.status(500), -1);
    proxy.clearSeen();
    RegistryServerException e = assertThrows(RegistryServerException.class, () -> b.read(0, 100));
    assertEquals(500, e.status());
    assertTrue(e.getMessage().contains("reading bytes 0-99 of blob"), e.getMessage());
    assertEquals(TestSetup.FAST_RETRIES.maxAttempts(), count(s -> s.status() == 500),
        "bounded: exactly maxAttempts tries");
  }

  @Test
  void retriesAndResumesOfOneReadShareItsTries() throws Exception {
    // two 5xx (retried before the body), then bodies cut off (resumed): one budget for all
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.status(503), 2);
    proxy.inject(r -> r.isBlobGet(), FaultProxy.truncate(10_000), -1);
    assertThrows(RegistryNetworkException.class, () -> b.read(0, 1_000_000));
    assertEquals(TestSetup.FAST_RETRIES.maxAttempts(), count(s -> s.range() != null),
        "maxAttempts requests in all, not maxAttempts per layer: " + proxy.seen());
    assertEquals(2, count(s -> s.status() == 503), proxy.seen().toString());
  }

  @Test
  void aFailingUploadIsTriedMaxAttemptsTimesInAll() throws Exception {
    // the PUT that ends an upload fails every time: the request retries and the restarts of
    // the upload draw on one budget (they used to multiply: 4 restarts x 4 tries = 16 PUTs)
    proxy.inject(r -> r.method().equals("PUT") && r.path().contains("/blobs/uploads/"),
        FaultProxy.status(500), -1);
    BlobContent content = BlobContent.ofBytes(TestImages.random(10_000, 62));
    RegistryServerException e = assertThrows(RegistryServerException.class,
        () -> client.pushBlob(ImageReference.parse(proxy.hostPort() + "/faults/push:1"),
            content, PushOptions.monolithic()));
    assertEquals(500, e.status());
    long puts = count(s -> s.method().equals("PUT"));
    long posts = count(s -> s.method().equals("POST"));
    assertEquals(TestSetup.FAST_RETRIES.maxAttempts(), puts, proxy.seen().toString());
    assertEquals(1, posts, "retried PUTs need no new upload session: " + proxy.seen());
  }

  @Test
  void tooManyRequestsWaitsAsToldByRetryAfter() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.status(429, Map.of("Retry-After", "1")), 1);
    long start = System.nanoTime();
    assertArrayEquals(expected(10, 10), b.read(10, 10));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms >= 950, "waited " + ms + " ms");
  }

  @Test
  void tooManyRequestsWithAnExcessiveWaitIsReportedNotWaitedFor() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.status(429, Map.of("Retry-After", "3600")), 1);
    long start = System.nanoTime();
    RegistryRateLimitedException e = assertThrows(RegistryRateLimitedException.class,
        () -> b.read(10, 10));
    assertTrue((System.nanoTime() - start) / 1_000_000 < 2000);
    assertEquals(Duration.ofHours(1), e.retryAfter().orElseThrow());
    assertTrue(e.getMessage().contains("retry after 3600 s"), e.getMessage());
  }

  @Test
  void bodyCutOffPartWayIsResumedFromWhereItStopped() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.truncate(100_000), 1);
    assertArrayEquals(expected(500_000, 1_000_000), b.read(500_000, 1_000_000));
    List<String> ranges = proxy.seen().stream().filter(s -> s.range() != null)
        .map(Seen::range).toList();
    assertEquals(2, ranges.size(), ranges.toString());
    assertEquals("bytes=500000-1499999", ranges.get(0));
    // the reset may discard bytes still in flight: the resume point is wherever the client got
    // to, never before the start, never past the cut
    long resume = Long.parseLong(ranges.get(1).substring(6, ranges.get(1).indexOf('-')));
    assertTrue(resume > 500_000 && resume <= 600_000, ranges.toString());
    assertTrue(ranges.get(1).endsWith("-1499999"), ranges.toString());
  }

  @Test
  void streamCutOffIsResumed() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.truncate(300_000), 2);
    try (InputStream in = b.openStream(0, LAYER.length)) {
      assertArrayEquals(LAYER, in.readAllBytes());
    }
    assertEquals(3, count(s -> s.range() != null));
  }

  @Test
  void slowBodyWithinItsDeadlineIsFine() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.slow(1000, Duration.ofMillis(20)), 1);
    assertArrayEquals(expected(0, 5000), b.read(0, 5000, Duration.ofSeconds(10)));
  }

  @Test
  void slowBodyPastItsDeadlineFailsWithoutPartialBytes() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.slow(1000, Duration.ofMillis(50)), -1);
    byte[] dst = new byte[200_000];
    long start = System.nanoTime();
    RegistryNetworkException e = assertThrows(RegistryNetworkException.class,
        () -> b.readFully(0, dst, 0, dst.length, Duration.ofMillis(400)));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 3000, "the deadline bounds the read: " + ms + " ms");
    assertTrue(e.getMessage().contains("deadline") || e.getMessage().contains("timed out")
        || e.getMessage().contains("cancel"), e.getMessage());
  }

  @Test
  void serverIgnoringRangeIsStreamedPastNotBuffered() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.ignoreRange(), 1);
    long discarded = client.stats().snapshot().bytesDiscarded();
    assertArrayEquals(expected(2_000_000, 1000), b.read(2_000_000, 1000));
    assertEquals(2_000_000, client.stats().snapshot().bytesDiscarded() - discarded,
        "the bytes before the range were skipped as they streamed by");
    assertEquals(200, proxy.seen().stream().filter(s -> s.range() != null).findFirst()
        .orElseThrow().status());
  }

  @Test
  void multiRangeRefusedFallsBackToSingleRanges() throws Exception {
    try (RegistryClient c = freshClient()) {
      RegistryBlob b = blobOf(c);
      proxy.inject(r -> r.isBlobGet() && r.header("range") != null
          && r.header("range").contains(","), FaultProxy.status(416), -1);
      List<ByteRange> ranges = List.of(new ByteRange(0, 10), new ByteRange(100_000, 20),
          new ByteRange(2_000_000, 30));
      List<byte[]> out = b.readRanges(ranges);
      for (int i = 0; i < ranges.size(); i++) {
        assertArrayEquals(expected(ranges.get(i).offset(), ranges.get(i).length()), out.get(i));
      }
      proxy.clearSeen();
      b.readRanges(ranges);
      assertEquals(0, count(s -> s.range() != null && s.range().contains(",")),
          "after a refusal the host gets single ranges only");
    }
  }

  @Test
  void multiRangeAnsweredWithTheWholeBlobIsPickedApart() throws Exception {
    try (RegistryClient c = freshClient()) {
      RegistryBlob b = blobOf(c);
      proxy.inject(r -> r.isBlobGet(), FaultProxy.ignoreRange(), 1);
      List<ByteRange> ranges = List.of(new ByteRange(5, 10), new ByteRange(70_000, 20),
          new ByteRange(900_000, 30));
      List<byte[]> out = b.readRanges(ranges);
      for (int i = 0; i < ranges.size(); i++) {
        assertArrayEquals(expected(ranges.get(i).offset(), ranges.get(i).length()), out.get(i));
      }
      assertEquals(1, count(s -> s.range() != null), "one request served all three ranges");
    }
  }

  @Test
  void wrongContentRangeIsNeverTrusted() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.shiftContentRange(7), 1);
    assertArrayEquals(expected(4096, 4096), b.read(4096, 4096));
    proxy.inject(r -> r.isBlobGet(), FaultProxy.shiftContentRange(7), -1);
    byte[] dst = new byte[4096];
    RegistryProtocolException e = assertThrows(RegistryProtocolException.class,
        () -> b.readFully(4096, dst, 0, 4096, null));
    assertTrue(e.getMessage().contains("Content-Range"), e.getMessage());
    assertArrayEquals(new byte[4096], dst, "nothing from a misplaced answer was copied");
  }

  @Test
  void storageRedirectIsReusedUntilItExpiresThenResolvedAgain() throws Exception {
    RegistryBlob b = blob();
    proxy.redirectBlobs(true);
    proxy.clearSeen();
    // reads that do not continue one another, so each is a request of its own (no read-ahead)
    assertArrayEquals(expected(100, 100), b.read(100, 100));
    assertArrayEquals(expected(20_000, 100), b.read(20_000, 100));
    assertArrayEquals(expected(50_000, 100), b.read(50_000, 100));
    assertEquals(1, count(s -> s.status() == 307), "one redirect, then the storage URL is reused");
    assertEquals(3, count(s -> s.target().startsWith("/_storage/") && s.status() == 206));
    proxy.expireRedirects();
    proxy.clearSeen();
    assertArrayEquals(expected(400, 100), b.read(400, 100));
    assertEquals(List.of(403, 307, 206), proxy.seen().stream().map(Seen::status).toList(),
        "expired URL refused, registry asked again, new URL used");
  }

  @Test
  void credentialsNeverReachTheStorageHost(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    RegistryServer auth = RegistryServer.builder().htpasswd("dave", "daves-pass").build();
    auth.start();
    try (FaultProxy p = FaultProxy.start(auth.baseUri())) {
      String basic = okhttp3.Credentials.basic("dave", "daves-pass");
      p.storageAuthorization(basic);
      try (RegistryClient c = TestSetup.insecureClient(dir, auth.hostPort(), p.hostPort(),
          "localhost:" + p.baseUri().getPort())) {
        c.runtimeCredentials().put(auth.hostPort(),
            org.stargzstore.registry.auth.Credential.basic("dave", "daves-pass"));
        c.runtimeCredentials().put(p.hostPort(),
            org.stargzstore.registry.auth.Credential.basic("dave", "daves-pass"));
        c.runtimeCredentials().put("localhost:" + p.baseUri().getPort(),
            org.stargzstore.registry.auth.Credential.basic("dave", "daves-pass"));
        byte[] data = TestImages.random(100_000, 62);
        TestImages.push(c, ImageReference.parse(auth.hostPort() + "/sec/app:1"), data);
        p.redirectBlobs(true);
        ResolvedImage img = c.resolve(ImageReference.parse(p.hostPort() + "/sec/app:1"));
        assertArrayEquals(Arrays.copyOfRange(data, 5, 50),
            c.blob(img, img.layers().get(0)).read(5, 45));
        List<Seen> storage = p.seen().stream().filter(s -> s.target().startsWith("/_storage/"))
            .toList();
        assertEquals(2, storage.size(), "the config and the layer read");
        for (Seen s : storage) {
          assertNull(s.authorization(), "no credentials to the storage host: " + s);
        }
        assertTrue(p.seen().stream().anyMatch(s -> s.status() == 307 && s.authorization() != null),
            "the registry itself did get them");
      }
    } finally {
      auth.stop();
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void insecureHostThatSwallowsTlsIsReachedOverPlainHttpWithoutWaitingForTls(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    try (FaultProxy p = FaultProxy.start(registry.baseUri())) {
      p.silentToTls(true);
      // the HTTPS probe would wait out a 120 s read timeout: plain HTTP answers first and wins
      try (RegistryClient c = RegistryClient.create(TestSetup.config(dir,
          TestSetup.insecureRegistriesConf(dir, p.hostPort())).readTimeout(Duration.ofSeconds(120))
          .build())) {
        ResolvedImage img = c.resolve(ImageReference.parse(p.hostPort() + "/faults/app:1"));
        assertEquals(1, img.layers().size());
        assertTrue(p.seen().stream().anyMatch(s -> s.target().equals("/v2/faults/app/manifests/1")),
            "asked for the manifest over plain HTTP: " + p.seen());
        assertTrue(p.seen().stream().noneMatch(s -> s.target().equals("/v2/")),
            "no ping first: the manifest request settled the scheme: " + p.seen());
      }
    }
  }

  private static RegistryClient freshClient() throws Exception {
    return RegistryClient.create(TestSetup.config(work.resolve("fresh-" + System.nanoTime()),
        work.resolve("registries.conf")).build());
  }

  private static RegistryBlob blobOf(RegistryClient c) throws Exception {
    ResolvedImage img = c.resolve(ref);
    RegistryBlob b = c.blob(img, img.layers().get(0));
    proxy.clearSeen();
    return b;
  }
}
