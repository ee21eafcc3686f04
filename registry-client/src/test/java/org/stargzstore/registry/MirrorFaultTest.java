package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.stargzstore.testkit.FaultProxy.Seen;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;
import org.stargzstore.types.io.ByteRange;

/**
 * Mirror faults fall through per blob, as registries.conf users expect: two real mirrors and the
 * registry, each behind a {@link FaultProxy} whose request log shows where every read went. A
 * fault on mirror 1 for blob A (404, 500, no answer, a body that stops, a body cut off, the
 * mirror going down) moves A's reads to mirror 2 with the right bytes, within the read's
 * deadline, while blob B is still served by mirror 1, and the registry is never asked.
 */
@IntegrationTest
class MirrorFaultTest {
  /** The idle timeout: a source that sends nothing for this long has stalled. */
  private static final Duration IDLE = Duration.ofSeconds(1);
  /** What each read is promised (the daemon's read_timeout), room for a loaded machine. */
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final byte[] LAYER_A = TestImages.random(1 << 20, 171);
  private static final byte[] LAYER_B = TestImages.random(300_000, 172);

  private static Path work;
  private static RegistryServer origin;
  private static RegistryServer mirror1;
  private static RegistryServer mirror2;
  private static FaultProxy originProxy;
  private static FaultProxy proxy1;
  private static FaultProxy proxy2;
  private static Digest digestA;
  private static Digest digestB;

  private final LogRecords logs = new LogRecords();
  private RegistryClient client;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("srs-mirror-faults-");
    origin = RegistryServer.builder().build();
    origin.start();
    mirror1 = RegistryServer.builder().build();
    mirror1.start();
    mirror2 = RegistryServer.builder().build();
    mirror2.start();
    try (RegistryClient c = TestSetup.insecureClient(work.resolve("push"), origin.hostPort(),
        mirror1.hostPort(), mirror2.hostPort())) {
      for (RegistryServer r : List.of(origin, mirror1, mirror2)) {
        TestImages.Pushed p = TestImages.push(c, ImageReference.parse(r.hostPort()
            + "/team/app:1"), LAYER_A, LAYER_B);
        digestA = p.layerDescriptors().get(0).digest();
        digestB = p.layerDescriptors().get(1).digest();
      }
    }
    originProxy = FaultProxy.start(origin.baseUri());
    proxy1 = FaultProxy.start(mirror1.baseUri());
    proxy2 = FaultProxy.start(mirror2.baseUri());
  }

  @AfterAll
  static void stop() {
    proxy2.close();
    proxy1.close();
    originProxy.close();
    mirror2.stop();
    mirror1.stop();
    origin.stop();
    TempDirs.deleteRecursively(work);
  }

  @BeforeEach
  void freshClient() throws Exception {
    for (FaultProxy p : List.of(originProxy, proxy1, proxy2)) {
      p.clearFaults();
      p.clearSeen();
    }
    client = client(proxy1.hostPort());
    Logger.getLogger("org.stargzstore").addHandler(logs);
  }

  @AfterEach
  void closeClient() {
    Logger.getLogger("org.stargzstore").removeHandler(logs);
    client.close();
  }

  /** A client whose registries.conf names mirror {@code first}, then mirror 2, then origin. */
  private static RegistryClient client(String first) throws Exception {
    Path dir = work.resolve("client-" + System.nanoTime());
    Files.createDirectories(dir);
    Path conf = dir.resolve("registries.conf");
    Files.writeString(conf, "[[registry]]\nlocation = \"" + originProxy.hostPort()
        + "\"\ninsecure = true\n"
        + "[[registry.mirror]]\nlocation = \"" + first + "\"\ninsecure = true\n"
        + "[[registry.mirror]]\nlocation = \"" + proxy2.hostPort() + "\"\ninsecure = true\n",
        StandardCharsets.UTF_8);
    return RegistryClient.create(TestSetup.config(dir, conf).readTimeout(IDLE).build());
  }

  private ResolvedImage resolve() throws Exception {
    ResolvedImage img = client.resolve(ImageReference.parse(originProxy.hostPort()
        + "/team/app:1"));
    assertEquals(proxy1.hostPort(), img.source().registry(), "resolved through mirror 1");
    for (FaultProxy p : List.of(originProxy, proxy1, proxy2)) {
      p.clearSeen();
    }
    return img;
  }

  private static List<Seen> blobGets(FaultProxy p, Digest d) {
    return p.seen().stream().filter(s -> s.method().equals("GET")
        && s.target().contains("/blobs/" + d)).toList();
  }

  /**
   * Waits (at most 10 s) until {@code p} has logged {@code n} GETs of {@code d}: a delayed
   * request is logged when the proxy has answered it, after the client left.
   */
  private static void awaitBlobGets(FaultProxy p, Digest d, int n) throws InterruptedException {
    long until = System.nanoTime() + 10_000_000_000L;
    while (blobGets(p, d).size() < n && System.nanoTime() < until) {
      Thread.sleep(50);
    }
  }

  private static byte[] slice(byte[] b, int from, int len) {
    return Arrays.copyOfRange(b, from, from + len);
  }

  /** Reads a range of A (failing over) and then of B, and checks who served what. */
  private void assertAFellThroughAndBStayed(ResolvedImage img, int faultedRequestsOnMirror1)
      throws Exception {
    RegistryBlob a = client.blob(img, img.layers().get(0));
    RegistryBlob b = client.blob(img, img.layers().get(1));
    assertArrayEquals(slice(LAYER_A, 4096, 100_000), a.read(4096, 100_000, DEADLINE));
    assertArrayEquals(slice(LAYER_B, 1000, 5000), b.read(1000, 5000, DEADLINE));
    awaitBlobGets(proxy1, digestA, faultedRequestsOnMirror1);
    String seen = "mirror 1: " + proxy1.seen() + "\nmirror 2: " + proxy2.seen()
        + "\norigin: " + originProxy.seen();
    assertEquals(faultedRequestsOnMirror1, blobGets(proxy1, digestA).size(), seen);
    assertTrue(blobGets(proxy1, digestA).stream().allMatch(s -> !s.fault().isEmpty()), seen);
    assertEquals(1, blobGets(proxy2, digestA).size(), "A fell through to mirror 2: " + seen);
    assertEquals(206, blobGets(proxy2, digestA).get(0).status(), seen);
    assertEquals(1, blobGets(proxy1, digestB).size(), "B is still read from mirror 1: " + seen);
    assertEquals(206, blobGets(proxy1, digestB).get(0).status(), seen);
    assertTrue(blobGets(proxy2, digestB).isEmpty(), seen);
    assertTrue(originProxy.seen().isEmpty(), "the registry is not asked: " + seen);
    assertTrue(logs.lines().stream().anyMatch(l -> l.startsWith("WARNING blob " + digestA)
            && l.contains(" from " + proxy1.hostPort())
            && l.contains("trying " + proxy2.hostPort())),
        "the move is logged: " + logs.lines());
  }

  @Test
  void blobNotFoundOnMirrorFallsThroughAtOnce() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.status(404), -1);
    assertAFellThroughAndBStayed(img, 1);
  }

  @Test
  void serverErrorOnMirrorIsRetriedThenFallsThrough() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.status(500), -1);
    assertAFellThroughAndBStayed(img, TestSetup.FAST_RETRIES.maxAttempts());
  }

  @Test
  void mirrorThatAnswersNothingIsLeftAfterOneIdleTimeout() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.stall(), -1);
    assertAFellThroughAndBStayed(img, 1);
  }

  @Test
  void mirrorThatAnswersLaterThanTheIdleTimeoutIsLeft() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.delay(IDLE.multipliedBy(4)), -1);
    assertAFellThroughAndBStayed(img, 1);
  }

  @Test
  void bodyThatStopsOnMirrorResumesOnTheNextWhereItStopped() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.stallBody(40_000), -1);
    assertAFellThroughAndBStayed(img, 1);
    String range = blobGets(proxy2, digestA).get(0).range();
    long from = Long.parseLong(range.substring("bytes=".length(), range.indexOf('-')));
    assertTrue(from > 4096, "mirror 2 is asked only for what mirror 1 did not send: " + range);
  }

  @Test
  void bodyCutOffOnMirrorIsResumedThereThenFallsThrough() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.truncate(10_000), -1);
    // a dropped connection is worth resuming at the same source, up to the policy's tries
    assertAFellThroughAndBStayed(img, TestSetup.FAST_RETRIES.maxAttempts());
  }

  @Test
  void bodyCutOffOnceIsResumedOnTheSameMirror() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.truncate(10_000), 1);
    RegistryBlob a = client.blob(img, img.layers().get(0));
    assertArrayEquals(slice(LAYER_A, 0, 200_000), a.read(0, 200_000, DEADLINE));
    assertEquals(2, blobGets(proxy1, digestA).size(), proxy1.seen().toString());
    assertTrue(blobGets(proxy2, digestA).isEmpty(), proxy2.seen().toString());
  }

  @Test
  void streamFallsThroughMidBodyAndEndsWithTheRightBytes() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.stallBody(300_000), -1);
    RegistryBlob a = client.blob(img, img.layers().get(0));
    try (InputStream in = a.openStream(0, LAYER_A.length, DEADLINE)) {
      assertArrayEquals(LAYER_A, in.readAllBytes());
    }
    assertEquals(1, blobGets(proxy1, digestA).size(), proxy1.seen().toString());
    assertEquals(1, blobGets(proxy2, digestA).size(), proxy2.seen().toString());
    assertTrue(originProxy.seen().isEmpty(), originProxy.seen().toString());
  }

  @Test
  void severalRangesFallThroughWhenTheMirrorFailsThem() throws Exception {
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet() && r.path().endsWith(digestA.toString()),
        FaultProxy.status(503), -1);
    RegistryBlob a = client.blob(img, img.layers().get(0));
    List<byte[]> got = a.readRanges(List.of(new ByteRange(10, 100), new ByteRange(500_000, 300)),
        DEADLINE);
    assertArrayEquals(slice(LAYER_A, 10, 100), got.get(0));
    assertArrayEquals(slice(LAYER_A, 500_000, 300), got.get(1));
    assertEquals(TestSetup.FAST_RETRIES.maxAttempts(), blobGets(proxy1, digestA).size(),
        "only the multi-range request's tries: " + proxy1.seen());
    assertTrue(originProxy.seen().isEmpty(), originProxy.seen().toString());
  }

  @Test
  void mirrorThatGoesDownIsLeftWithoutRetrying() throws Exception {
    try (FaultProxy shortLived = FaultProxy.start(mirror1.baseUri())) {
      client.close();
      client = client(shortLived.hostPort());
      ResolvedImage img = client.resolve(ImageReference.parse(originProxy.hostPort()
          + "/team/app:1"));
      assertEquals(shortLived.hostPort(), img.source().registry());
      proxy2.clearSeen();
      shortLived.close();
      long retriesBefore = client.stats().snapshot().retries();
      RegistryBlob a = client.blob(img, img.layers().get(0));
      RegistryBlob b = client.blob(img, img.layers().get(1));
      assertArrayEquals(slice(LAYER_A, 0, 1000), a.read(0, 1000, DEADLINE));
      assertArrayEquals(slice(LAYER_B, 0, 1000), b.read(0, 1000, DEADLINE));
      assertEquals(retriesBefore, client.stats().snapshot().retries(),
          "a refused connection is not retried while another source is left");
      assertEquals(1, blobGets(proxy2, digestA).size(), proxy2.seen().toString());
      assertEquals(1, blobGets(proxy2, digestB).size(), proxy2.seen().toString());
      assertTrue(originProxy.seen().stream().noneMatch(s -> s.target().contains("/blobs/")),
          originProxy.seen().toString());
      assertTrue(logs.lines().stream().anyMatch(l -> l.startsWith("WARNING blob " + digestA)
          && l.contains("connection refused")), logs.lines().toString());
    }
  }

  @Test
  void lastSourceStillRetriesWhatMirrorsLeaveAtOnce() throws Exception {
    // everything fails on both mirrors: the registry, the last source, is still asked, and a
    // stall there is retried as the policy says (here: it answers on the second try)
    ResolvedImage img = resolve();
    proxy1.inject(r -> r.isBlobGet(), FaultProxy.status(404), -1);
    proxy2.inject(r -> r.isBlobGet(), FaultProxy.status(404), -1);
    originProxy.inject(r -> r.isBlobGet(), FaultProxy.stall(), 1);
    RegistryBlob a = client.blob(img, img.layers().get(0));
    assertArrayEquals(slice(LAYER_A, 0, 1000), a.read(0, 1000, DEADLINE));
    List<Seen> atOrigin = blobGets(originProxy, digestA);
    assertEquals(2, atOrigin.size(), originProxy.seen().toString());
    assertEquals("Stall", atOrigin.get(0).fault());
    assertEquals(206, atOrigin.get(1).status());
  }
}
