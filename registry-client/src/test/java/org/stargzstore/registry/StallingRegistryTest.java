package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.FaultProxy.Seen;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;

/**
 * A registry that stalls (takes the request and answers nothing, or stops part-way through a
 * body, keeping the connection open), injected by {@link FaultProxy} in front of the real
 * registry: a read fails within its deadline, never hangs, on a fresh and on a reused
 * connection; a stall that passes is survived on a new connection; and the stall is logged at
 * WARNING naming the registry and the blob. The client notices silence after 1 s (its idle read
 * timeout); reads get a 3 s deadline. Bounds are asserted with generous margins.
 */
@IntegrationTest
class StallingRegistryTest {
  private static final Duration IDLE = Duration.ofSeconds(1);
  private static final Duration DEADLINE = Duration.ofSeconds(3);
  /** What a loaded machine may add to a bound. */
  private static final long MARGIN_MS = 7_000;
  private static final byte[] LAYER = TestImages.random(2 << 20, 67);

  private static Path work;
  private static RegistryServer registry;
  private static FaultProxy proxy;
  private static ImageReference ref;
  private RegistryClient client;
  private final LogRecords capture = new LogRecords();
  private final List<LogRecord> logs = capture.records();

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("srs-stall-");
    registry = RegistryServer.builder().build();
    registry.start();
    proxy = FaultProxy.start(registry.baseUri());
    try (RegistryClient pusher = TestSetup.insecureClient(work.resolve("push"),
        registry.hostPort())) {
      TestImages.push(pusher, ImageReference.parse(registry.hostPort() + "/stall/app:1"), LAYER);
    }
    ref = ImageReference.parse(proxy.hostPort() + "/stall/app:1");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    registry.stop();
    TempDirs.deleteRecursively(work);
  }

  /** A client of its own per test: its connection pool starts empty. */
  @BeforeEach
  void freshClient() throws Exception {
    proxy.clearFaults();
    proxy.clearSeen();
    Path dir = work.resolve("client-" + System.nanoTime());
    client = RegistryClient.create(TestSetup.config(dir,
        TestSetup.insecureRegistriesConf(dir, proxy.hostPort())).readTimeout(IDLE).build());
    Logger.getLogger("org.stargzstore.registry").addHandler(capture);
  }

  @AfterEach
  void closeClient() {
    Logger.getLogger("org.stargzstore.registry").removeHandler(capture);
    proxy.clearFaults();
    client.close();
  }

  private RegistryBlob blob() throws Exception {
    proxy.clearSeen();
    ResolvedImage img = client.resolve(ref);
    return client.blob(img, img.layers().get(0));
  }

  /** The client connections the proxy has answered on so far (kept alive in the pool). */
  private static java.util.Set<Integer> connectionsUsed() {
    return proxy.seen().stream().map(Seen::connection).collect(java.util.stream.Collectors
        .toSet());
  }

  private static byte[] expected(long off, int len) {
    return Arrays.copyOfRange(LAYER, (int) off, (int) off + len);
  }

  private static List<Seen> stalled() {
    return proxy.seen().stream().filter(s -> s.fault().startsWith("Stall")).toList();
  }

  private static long msSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** The read failed because of the stall, at the deadline (not before the first stall ended). */
  private void assertStallFailure(RegistryNetworkException e, long ms, RegistryBlob b) {
    assertTrue(ms >= IDLE.toMillis() - 100, "failed before any stall was noticed: " + ms + " ms");
    assertTrue(ms <= DEADLINE.toMillis() + MARGIN_MS, "a stalled read took " + ms + " ms");
    assertTrue(e.getMessage().contains("stalled") && e.getMessage().contains(b.describe())
        && e.getMessage().contains(proxy.hostPort()), e.getMessage());
    assertTrue(logs.stream().anyMatch(r -> r.getLevel() == Level.WARNING
            && r.getMessage().contains("registry " + proxy.hostPort() + " stalled")
            && r.getMessage().contains(b.digest().toString())
            && r.getMessage().matches(".*no data for \\d+\\.\\d s.*")),
        "a WARNING names the registry, the blob and how long nothing came: " + messages());
  }

  private List<String> messages() {
    return logs.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList();
  }

  @Test
  void freshConnectionThatNeverAnswersFailsAtTheDeadline() throws Exception {
    RegistryBlob known = blob();
    Path dir = work.resolve("fresh-" + System.nanoTime());
    try (RegistryClient fresh = RegistryClient.create(TestSetup.config(dir,
        TestSetup.insecureRegistriesConf(dir, proxy.hostPort())).readTimeout(IDLE).build())) {
      RegistryBlob b = fresh.blob(ref, known.digest(), LAYER.length);
      proxy.stallNewConnections(true);
      byte[] dst = new byte[4096];
      long start = System.nanoTime();
      RegistryNetworkException e = assertThrows(RegistryNetworkException.class,
          () -> b.readFully(100, dst, 0, dst.length, DEADLINE));
      assertStallFailure(e, msSince(start), b);
      assertTrue(proxy.stalledConnections() >= 2,
          "the stall was noticed after the idle timeout and tried again on a new connection: "
          + proxy.stalledConnections());
    } finally {
      proxy.stallNewConnections(false);
    }
  }

  @Test
  void everyTryStallingOnNewConnectionsFailsAtTheDeadline() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.stall(), -1);
    byte[] dst = new byte[4096];
    long start = System.nanoTime();
    RegistryNetworkException e = assertThrows(RegistryNetworkException.class,
        () -> b.readFully(100, dst, 0, dst.length, DEADLINE));
    assertStallFailure(e, msSince(start), b);
    assertTrue(stalled().stream().map(Seen::connection).distinct().count() >= 2,
        "each try on a new connection: " + proxy.seen());
  }

  @Test
  void streamFromAStalledRegistryFailsAtItsDeadline() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.stall(), -1);
    long start = System.nanoTime();
    RegistryNetworkException e = assertThrows(RegistryNetworkException.class, () -> {
      try (InputStream in = b.openStream(0, LAYER.length, DEADLINE)) {
        in.readAllBytes();
      }
    });
    assertStallFailure(e, msSince(start), b);
  }

  @Test
  void streamOfABlobOfUnknownSizeAsksForItsSizeWithinTheStreamsDeadline() throws Exception {
    // the size is asked (HEAD) before the stream opens: that too is bounded by the deadline
    // openStream was given, not by the client's default (none here: every try would stall)
    RegistryBlob known = blob();
    RegistryBlob b = client.blob(ref, known.digest(), -1);
    proxy.clearSeen();
    proxy.inject(r -> r.method().equals("HEAD"), FaultProxy.stall(), -1);
    Duration deadline = IDLE.plus(IDLE.dividedBy(2));
    RegistryNetworkException e = assertThrows(RegistryNetworkException.class,
        () -> b.openStream(0, 1000, deadline).close());
    assertTrue(e.getMessage().contains("stalled") && e.getMessage().contains(b.describe())
        && e.getMessage().contains(proxy.hostPort()), e.getMessage());
    assertTrue(stalled().size() < TestSetup.FAST_RETRIES.maxAttempts(),
        "gave up at the deadline, not after every try: " + proxy.seen());
  }

  @Test
  void stallOnAReusedConnectionFailsAtTheDeadline() throws Exception {
    RegistryBlob b = blob();
    assertArrayEquals(expected(0, 1000), b.read(0, 1000, DEADLINE));
    java.util.Set<Integer> used = connectionsUsed();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.stall(), -1);
    byte[] dst = new byte[1000];
    long start = System.nanoTime();
    RegistryNetworkException e = assertThrows(RegistryNetworkException.class,
        () -> b.readFully(5000, dst, 0, dst.length, DEADLINE));
    assertStallFailure(e, msSince(start), b);
    assertTrue(used.contains(stalled().get(0).connection()),
        "the stalled request went out on a kept-alive connection: " + proxy.seen());
  }

  @Test
  void stallThatPassesIsSurvivedOnANewConnection() throws Exception {
    RegistryBlob b = blob();
    assertArrayEquals(expected(0, 1000), b.read(0, 1000, DEADLINE));
    java.util.Set<Integer> used = connectionsUsed();
    proxy.clearSeen();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.stall(), 1);
    assertArrayEquals(expected(5000, 1000), b.read(5000, 1000, DEADLINE));
    List<Seen> seen = proxy.seen();
    assertEquals(2, seen.size(), seen.toString());
    assertTrue(used.contains(seen.get(0).connection()), "a kept-alive connection stalled: "
        + seen + ", before: " + used);
    assertTrue(!used.contains(seen.get(1).connection()), "retried on a new one: " + seen);
    assertTrue(logs.stream().anyMatch(r -> r.getLevel() == Level.WARNING
        && r.getMessage().startsWith("registry " + proxy.hostPort() + " stalled")),
        messages().toString());
  }

  @Test
  void bodyThatStopsPartWayFailsAtTheDeadlineWithOnlyRightBytes() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.stallBody(100_000), -1);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    long start = System.nanoTime();
    RegistryNetworkException e = assertThrows(RegistryNetworkException.class, () -> {
      try (InputStream in = b.openStream(0, LAYER.length, DEADLINE)) {
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) {
          got.write(buf, 0, n);
        }
      }
    });
    assertStallFailure(e, msSince(start), b);
    byte[] prefix = got.toByteArray();
    assertTrue(prefix.length >= 100_000, "the bytes before the stall were delivered");
    assertArrayEquals(expected(0, prefix.length), prefix, "and every one was right");
  }

  @Test
  void bodyThatStopsOnceIsResumedWhereItStopped() throws Exception {
    RegistryBlob b = blob();
    proxy.clearSeen();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.stallBody(300_000), 1);
    try (InputStream in = b.openStream(0, LAYER.length, Duration.ofSeconds(30))) {
      assertArrayEquals(LAYER, in.readAllBytes());
    }
    List<Seen> seen = proxy.seen();
    assertEquals(2, seen.size(), seen.toString());
    assertEquals("bytes=300000-" + (LAYER.length - 1), seen.get(1).range(),
        "resumed right after the last byte that came: " + seen);
  }

  @Test
  void stalledMirrorIsLeftForTheRegistryWithinTheDeadline() throws Exception {
    // the proxy is a mirror of the registry: a mirror that hangs costs one idle timeout (1 s; no
    // retry there while another source is left), then the registry serves the read
    Path dir = work.resolve("mirrored-" + System.nanoTime());
    Files.createDirectories(dir);
    Path conf = dir.resolve("registries.conf");
    Files.writeString(conf, "[[registry]]\nlocation = \"" + registry.hostPort()
        + "\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"" + proxy.hostPort()
        + "\"\ninsecure = true\n");
    try (RegistryClient mirrored = RegistryClient.create(TestSetup.config(dir, conf)
        .readTimeout(IDLE).build())) {
      ResolvedImage img = mirrored.resolve(ImageReference.parse(registry.hostPort()
          + "/stall/app:1"));
      assertEquals(proxy.hostPort(), img.source().registry(), "resolved through the mirror");
      RegistryBlob b = mirrored.blob(img, img.layers().get(0));
      proxy.clearSeen();
      proxy.inject(r -> r.isBlobGet(), FaultProxy.stall(), -1);
      long start = System.nanoTime();
      assertArrayEquals(expected(7000, 3000), b.read(7000, 3000, Duration.ofSeconds(12)));
      long ms = msSince(start);
      assertTrue(ms >= IDLE.toMillis() - 100, "the mirror was waited for first: " + ms + " ms");
      assertEquals(1, stalled().size(), "one try at the stalled mirror: " + proxy.seen());
      assertTrue(logs.stream().anyMatch(r -> r.getLevel() == Level.WARNING
          && r.getMessage().contains("stalled") && r.getMessage().contains("trying "
          + registry.hostPort())), messages().toString());
    }
  }

  @Test
  void withoutADeadlineAStallStillEndsAfterTheTries() throws Exception {
    RegistryBlob b = blob();
    proxy.inject(r -> r.isBlobGet(), FaultProxy.stall(), -1);
    long start = System.nanoTime();
    RegistryNetworkException e = assertThrows(RegistryNetworkException.class, () -> {
      try (InputStream in = b.openStream(0, 1000, null)) {
        in.readAllBytes();
      }
    });
    long ms = msSince(start);
    long bound = IDLE.toMillis() * TestSetup.FAST_RETRIES.maxAttempts() + MARGIN_MS;
    assertTrue(ms <= bound, "idle timeout times tries bounds it: " + ms + " ms");
    assertTrue(e.getMessage().contains("stalled"), e.getMessage());
    assertEquals(TestSetup.FAST_RETRIES.maxAttempts(), stalled().size(), proxy.seen().toString());
  }
}
