package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.fetch.LayerFetcher;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.registry.http.RetryPolicy;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;

/**
 * A registry that stalls, seen through the mount: the real registry behind {@link FaultProxy},
 * the real registry client, the layer store and FUSE. A read whose chunks the registry does not
 * send fails with EIO within {@code read_timeout} (each read request of the kernel; a program's
 * read may be two of them) plus a generous margin for a loaded machine, never hangs: on fresh
 * connections that are never answered, on a kept-alive connection that stops answering, when
 * a body stops part-way, and when the read waits for a prefetch that stalled. The stalled fetch
 * does not outlive its deadline holding the chunks: once the registry answers again the same
 * file reads right.
 */
@IntegrationTest
class StallingRegistryMountTest {
  /** The reads' bound ({@code read_timeout}). */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
  /** What a loaded machine may add to it. */
  private static final long MARGIN_MS = 7_000;
  private static final String REPO = "stall/edge";

  private static Path work;
  private static RegistryServer registry;
  private static FaultProxy proxy;
  private static String layerDigest;
  @TempDir Path tmp;
  private RegistryClient client;
  private StoreHarness harness;
  private final LogRecords capture = new LogRecords();
  private final List<LogRecord> logs = capture.records();

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("srs-stall-mount-");
    registry = RegistryServer.builder().build();
    registry.start();
    layerDigest = EdgeImage.push(registry.baseUri(), REPO, "1");
    proxy = FaultProxy.start(registry.baseUri());
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (registry != null) {
      registry.stop();
    }
    TempDirs.deleteRecursively(work);
  }

  @AfterEach
  void tearDown() {
    Logger.getLogger("org.stargzstore").removeHandler(capture);
    proxy.clearFaults();
    proxy.stallNewConnections(false);
    if (harness != null) {
      harness.close();
    }
    if (client != null) {
      client.close();
    }
  }

  /**
   * Mounts the image through the proxy, reads of it waiting at most {@link #READ_TIMEOUT}; the
   * client notices a silent connection after {@code idle} and tries up to 4 times. Returns the
   * layer's {@code diff} directory, already listed (its TOC is loaded).
   */
  private Path mount(Duration idle, int maxIdleConnections) throws Exception {
    Path dir = tmp.resolve("client");
    Files.createDirectories(dir);
    Path conf = dir.resolve("registries.conf");
    Files.writeString(conf, "unqualified-search-registries = []\n[[registry]]\nlocation = \""
        + proxy.hostPort() + "\"\ninsecure = true\n");
    client = RegistryClient.create(RegistryClientConfig.builder()
        .registriesConf(conf, true)
        .authFiles(List.of(RegistryClientConfig.AuthFileSpec.of(dir.resolve("auth.json"))))
        .retryPolicy(new RetryPolicy(4, Duration.ofMillis(20), Duration.ofMillis(100),
            Duration.ofSeconds(5)))
        .readTimeout(idle)
        .connectTimeout(idle)
        .maxIdleConnections(maxIdleConnections)
        .build());
    LayerStoreConfig config = new LayerStoreConfig(Duration.ofSeconds(30), READ_TIMEOUT,
        FetchPolicy.onDemandOnly(), Duration.ofMinutes(10), Duration.ofSeconds(5), false);
    harness = new StoreHarness(tmp.resolve("root"), new RegistryImageSource(client, READ_TIMEOUT),
        config);
    Path diff = harness.mount(tmp.resolve("mnt"))
        .resolve(ImageDirectoryName.encode(proxy.hostPort() + "/" + REPO + ":1"))
        .resolve(layerDigest).resolve("diff");
    assertTrue(Files.isDirectory(diff.resolve("bin")), "the layer opened through the proxy");
    Logger.getLogger("org.stargzstore").addHandler(capture);
    return diff;
  }

  private static long msSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  /**
   * Reading {@code file} fails with EIO, no later than the read timeout and the margin; returns
   * when the read started.
   */
  private long assertEioWithinReadTimeout(Path file) {
    long start = System.nanoTime();
    IOException e = assertThrows(IOException.class, () -> Files.readAllBytes(file));
    long ms = msSince(start);
    System.out.println("EIO from " + file.getFileName() + " after " + ms + " ms (read_timeout "
        + READ_TIMEOUT.toMillis() + " ms)");
    assertTrue(e.getMessage().contains("Input/output error"), e.toString());
    // one read(2) may be two reads of the mount (read-ahead, then the read), each bounded
    assertTrue(ms <= 2 * READ_TIMEOUT.toMillis() + MARGIN_MS, "a read of a stalled registry took "
        + ms + " ms");
    return start;
  }

  /** A WARNING names the proxy as the registry that stalled, the layer blob, and for how long. */
  private void assertStallLogged() {
    List<String> warnings = logs.stream().filter(r -> r.getLevel() == Level.WARNING)
        .map(LogRecord::getMessage).toList();
    assertTrue(warnings.stream().anyMatch(m -> m.contains("registry " + proxy.hostPort()
        + " stalled") && m.contains(layerDigest) && m.matches(".* \\d+\\.\\d s.*")),
        warnings.toString());
  }

  /** The file's bytes as the fixture's tar has them. */
  private static String expectedSha256(String member) throws Exception {
    return sha256(EdgeImage.member(member));
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /**
   * The stalled fetch ends by its deadline (it holds no chunk any more, so nothing waits on it),
   * and once the registry answers again the file reads whole and right.
   */
  private void assertReadsAgain(Path diff, String member, long stallStart) throws Exception {
    while (harness.fetch.inFlight().size() > 0) {
      long ms = msSince(stallStart);
      assertTrue(ms <= READ_TIMEOUT.toMillis() + MARGIN_MS, "the stalled fetch still holds "
          + harness.fetch.inFlight().size() + " chunk(s) after " + ms + " ms");
      Thread.sleep(20);
    }
    proxy.clearFaults();
    proxy.stallNewConnections(false);
    byte[] got = Files.readAllBytes(diff.resolve(member));
    assertEquals(expectedSha256(member), sha256(got), member);
  }

  @Test
  void freshConnectionsNeverAnsweredGiveEioWithinTheReadTimeout() throws Exception {
    // no pooling: every request opens a new connection
    Path diff = mount(Duration.ofSeconds(1), 0);
    proxy.stallNewConnections(true);
    long stalledAt = assertEioWithinReadTimeout(diff.resolve("bin/rand-65536"));
    assertTrue(proxy.stalledConnections() >= 2,
        "tried again on a new connection: " + proxy.stalledConnections());
    assertStallLogged();
    assertReadsAgain(diff, "bin/rand-65536", stalledAt);
  }

  @Test
  void keptAliveConnectionThatStopsAnsweringGivesEioWithinTheReadTimeout() throws Exception {
    Path diff = mount(Duration.ofSeconds(1), 32);
    assertEquals(expectedSha256("bin/rand-4096"),
        sha256(Files.readAllBytes(diff.resolve("bin/rand-4096"))));
    Set<Integer> used = proxy.seen().stream().map(FaultProxy.Seen::connection)
        .collect(Collectors.toSet());
    proxy.clearSeen();
    proxy.inject(FaultProxy.Request::isBlobGet, FaultProxy.stall(), -1);
    long stalledAt = assertEioWithinReadTimeout(diff.resolve("bin/rand-65537"));
    List<FaultProxy.Seen> stalled = proxy.seen().stream()
        .filter(s -> s.fault().equals("Stall")).toList();
    assertTrue(!stalled.isEmpty() && used.contains(stalled.get(0).connection()),
        "the first stalled request went out on a kept-alive connection: " + stalled
        + ", connections before: " + used);
    assertStallLogged();
    assertReadsAgain(diff, "bin/rand-65537", stalledAt);
  }

  @Test
  void bodyThatStopsPartWayGivesEioWithinTheReadTimeout() throws Exception {
    Path diff = mount(Duration.ofSeconds(1), 32);
    proxy.inject(FaultProxy.Request::isBlobGet, FaultProxy.stallBody(20_000), -1);
    long stalledAt = assertEioWithinReadTimeout(diff.resolve("bin/rand-1048576"));
    assertTrue(proxy.seen().stream().anyMatch(s -> s.fault().equals("StallBody")),
        proxy.seen().toString());
    assertStallLogged();
    assertReadsAgain(diff, "bin/rand-1048576", stalledAt);
  }

  @Test
  void readWaitingOnAStalledPrefetchGivesEioWithinTheReadTimeout() throws Exception {
    // the client would wait 30 s for a silent connection: only the fetch's deadline ends it
    Path diff = mount(Duration.ofSeconds(30), 32);
    LayerFetcher fetcher = harness.store.loadedLayer(Digest.parse(layerDigest)).orElseThrow()
        .fetcher();
    List<Chunk> chunks = fetcher.index().entry("bin/rand-65535").orElseThrow().chunks();
    proxy.inject(FaultProxy.Request::isBlobGet, FaultProxy.stall(), -1);
    fetcher.ensureAsync(chunks, FetchReason.PREDICTED);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (proxy.seen().stream().noneMatch(s -> s.fault().equals("Stall"))) {
      assertTrue(System.nanoTime() < deadline, "the prefetch never asked the registry");
      Thread.sleep(10);
    }
    // the read finds its chunks being fetched by the prefetch and waits for it
    long stalledAt = assertEioWithinReadTimeout(diff.resolve("bin/rand-65535"));
    assertStallLogged();
    assertReadsAgain(diff, "bin/rand-65535", stalledAt);
  }

  @Test
  void registrySilentForLongerThanTheIdleTimeoutStillGivesEioWithinTheReadTimeout()
      throws Exception {
    // the client would wait 30 s for a silent connection: only the read's deadline ends it
    Path diff = mount(Duration.ofSeconds(30), 32);
    proxy.inject(FaultProxy.Request::isBlobGet, FaultProxy.stall(), -1);
    long stalledAt = assertEioWithinReadTimeout(diff.resolve("bin/rand-3145745"));
    assertStallLogged();
    assertReadsAgain(diff, "bin/rand-3145745", stalledAt);
  }
}
