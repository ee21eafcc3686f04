package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerOpener;
import org.stargzstore.estargz.layer.OpenedLayer;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;
import org.stargzstore.types.io.RangeSource;
import org.stargzstore.zstdchunked.LayerFormats;

/** What the fetcher requests, for demand reads and the background stream, on a real blob. */
class LayerFetcherTest {
  @TempDir Path root;
  FileRangeSource file;
  OpenedLayer layer;
  FetchContext ctx;
  ExecutorService writer;
  final AtomicLong bytes = new AtomicLong();
  final AtomicLong requests = new AtomicLong();

  @BeforeEach
  void open() throws IOException {
    file = FileRangeSource.open(Shared.fixture("edge.estargz.blob"));
    layer = LayerOpener.open(file, LayerFormats.options().build());
    writer = FetchContext.diskWriter(1);
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 2, 768 << 10);
  }

  @AfterEach
  void close() throws Exception {
    ctx.close();
    writer.shutdown();
    writer.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    file.close();
  }

  BlobSource counting() {
    return BlobSource.of(new RangeSource() {
      @Override
      public long size() throws IOException {
        return file.size();
      }

      @Override
      public void readFully(long offset, byte[] dst, int dstOffset, int length)
          throws IOException {
        requests.incrementAndGet();
        bytes.addAndGet(length);
        file.readFully(offset, dst, dstOffset, length);
      }

      @Override
      public String describe() {
        return "edge.estargz";
      }
    });
  }

  LayerFetcher fetcher(FetchPolicy p) {
    return new LayerFetcher("test", layer.index(), counting(), layer.format().codec(), ctx, p);
  }

  @Test
  void demandWithoutReadAheadFetchesExactlyTheUnit() throws IOException {
    LayerFetcher f = fetcher(new FetchPolicy(0, 0, 256 << 10, false, false, false, 0, 0));
    LayerEntry e = layer.index().entry("bin/rand-1048576").orElseThrow();
    Chunk c = e.chunks().get(3);
    f.ensure(List.of(c), Duration.ofSeconds(10));
    assertEquals(c.compressedLength(), bytes.get());
    assertEquals(1, f.stats().requests());
  }

  @Test
  void readAheadRidesInTheDemandRequestWithinItsBudgetOnly() throws IOException {
    LayerFetcher f = fetcher(new FetchPolicy(200_000, 0, 256 << 10, false, false, false, 0, 0));
    LayerEntry e = layer.index().entry("bin/rand-1048576").orElseThrow();
    long first = e.chunks().get(0).compressedLength();
    f.ensure(List.of(e.chunks().get(0)), Duration.ofSeconds(10));
    // one request: the wanted unit first, the read-ahead after it in the same response
    assertEquals(1, f.stats().requests());
    assertEquals(1, f.stats().demandFetches());
    // the chunks fetched ahead are served without another request
    f.ensure(List.of(e.chunks().get(1), e.chunks().get(2)), Duration.ofSeconds(10));
    assertEquals(1, requests.get());
    assertTrue(bytes.get() > first && bytes.get() <= first + 200_000, "fetched " + bytes.get());
    // and counted as what they are (once the request's last unit is delivered)
    long deadline = System.currentTimeMillis() + 10_000;
    while (f.stats().bytesFetched() < bytes.get() && System.currentTimeMillis() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(first, f.stats().bytesByReason().get(FetchReason.DEMAND));
    assertEquals(bytes.get() - first, f.stats().bytesByReason().get(FetchReason.READ_AHEAD));
  }

  @Test
  void readAheadStaysInTheMissedFilesDirectory() throws IOException {
    LayerFetcher f = fetcher(new FetchPolicy(200_000, 64 << 10, 256 << 10, false, false, false,
        0, 0));
    // etc/hostname is the last file of etc/ in blob order; bin/ follows it
    LayerEntry e = layer.index().entry("etc/hostname").orElseThrow();
    f.ensure(e.chunks(), Duration.ofSeconds(10));
    assertEquals(1, requests.get());
    assertEquals(e.chunks().get(0).compressedLength(), bytes.get());
    assertEquals(0L, f.stats().bytesByReason().getOrDefault(FetchReason.READ_AHEAD, 0L));
  }

  @Test
  void onlyReadersAndPredictionsAreFetchedOnDemand() {
    LayerFetcher f = fetcher(FetchPolicy.onDemandOnly());
    List<Chunk> chunks = layer.index().entry("etc/hostname").orElseThrow().chunks();
    for (FetchReason r : List.of(FetchReason.READ_AHEAD, FetchReason.PRIORITIZED,
        FetchReason.NEAR_READER, FetchReason.SMALL_FILES, FetchReason.EVERYTHING,
        FetchReason.BLOB_FILE)) {
      assertThrows(IllegalArgumentException.class, () -> f.ensureAsync(chunks, r), r.label());
    }
    assertEquals(0, requests.get(), "nothing claimed or fetched");
    assertEquals(0, ctx.inFlight().size());
  }

  @Test
  void backgroundFetchesEveryChunkOnceInSmallRequests() throws Exception {
    LayerFetcher f = fetcher(new FetchPolicy(0, 64 << 10, 128 << 10, true, true, true, 16 << 10, 0));
    f.startBackground();
    long deadline = System.currentTimeMillis() + 30_000;
    while (!f.isComplete() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(f.isComplete());
    Set<Digest> distinct = new HashSet<>();
    for (Chunk c : layer.index().chunksInBlobOrder()) {
      if (!c.zeros()) {
        distinct.add(c.digest());
      }
    }
    // the last chunk is cached (so the layer is complete) a moment before it is counted
    while (f.stats().chunksFetched() < distinct.size() && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(distinct.size(), f.stats().chunksFetched(), "each distinct chunk fetched once");
    // the data, and the TOC member once more: it is the content of stargz.index.json
    assertTrue(bytes.get() <= layer.location().end(), "nothing past the TOC: " + bytes.get());
    assertTrue(f.stats().requests() > 10, "many small requests: " + f.stats().requests());
    // verified bytes, straight from the cache
    LayerEntry e = layer.index().entry("bin/rand-65537").orElseThrow();
    ByteBuffer b = ByteBuffer.allocate((int) e.size());
    for (Chunk c : e.chunks()) {
      ctx.cache().read(c, 0, b);
    }
    assertEquals(e.digest().orElseThrow(), Digest.of(b.array()));
  }

  @Test
  void afterAMissItsDirectoryIsFetchedWhileTheBulkWaitsForQuiet() throws Exception {
    // the bulk of the background (small files, then everything) waits for an hour of quiet,
    // which never comes: only the missed file's neighbours may be fetched
    ctx.close();
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 2, 768 << 10, Duration.ofHours(1));
    LayerFetcher f = fetcher(new FetchPolicy(0, 64 << 10, 256 << 10, false, true, false,
        64 << 10, 4 << 20));
    f.startBackground();
    LayerEntry missed = layer.index().entry("bin/rand-4095").orElseThrow();
    f.ensure(missed.chunks(), Duration.ofSeconds(10));
    List<String> neighbours = List.of("bin/rand-1", "bin/rand-4096", "bin/rand-65535",
        "bin/rand-65536", "bin/rand-65537", "bin/suid");
    long deadline = System.currentTimeMillis() + 10_000;
    while (!neighbours.stream().allMatch(this::cached) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    for (String n : neighbours) {
      assertTrue(cached(n), n + " (a neighbour of the miss) is cached");
    }
    Thread.sleep(300);
    // other directories and files above the neighbour size limit are left to the bulk
    for (String other : List.of("etc/hostname", "xattr/file", "opaque/kept",
        "bin/rand-1048576", "bin/rand-3145745")) {
      assertTrue(!cached(other), other + " must wait for the bulk");
    }
  }

  @Test
  void theBulkWaitsWhileContainersOpenNewFilesEvenIfNothingIsFetched() throws Exception {
    ctx.close();
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 2, 768 << 10, Duration.ofMillis(1500));
    LayerFetcher f = fetcher(new FetchPolicy(0, 64 << 10, 128 << 10, false, true, false,
        16 << 10, 0));
    f.startBackground();
    // a start-up served from prefetched files: new files opened, every read a cache hit
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < until) {
      f.noteStartUpActivity();
      Thread.sleep(100);
    }
    assertEquals(0L, f.stats().bytesByReason().getOrDefault(FetchReason.SMALL_FILES, 0L)
        + f.stats().bytesByReason().getOrDefault(FetchReason.EVERYTHING, 0L),
        "the bulk started during the start-up: " + f.stats().bytesByReason());
    long deadline = System.currentTimeMillis() + 30_000;
    while (!f.isComplete() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(f.isComplete(), "the bulk runs once the start-up is quiet");
  }

  @Test
  void aProfilesFilesAreFetchedInTheOrderTheStartUpOpenedThemAfterTheLandmarks() {
    // xattr/ and opaque/ come after bin/ in the blob; the recorded start-up opened them first
    List<String> profile = List.of("xattr/file", "opaque/kept", "bin/rand-65537", "xattr/file");
    LayerUnits units = new LayerUnits("test", layer.index());
    int[] order = new ReadAheadPolicy(new FetchPolicy(0, 64 << 10, 128 << 10, true, true, true,
        16 << 10, 0)).unitsOf(FetchReason.PRIORITIZED, units, layer.index(), profile);
    List<Integer> expected = new java.util.ArrayList<>();
    for (LayerEntry e : layer.index().prioritizedEntries()) {
      unitsOfFile(units, e, expected);
    }
    java.util.Collections.sort(expected);
    for (String name : profile) {
      unitsOfFile(units, layer.index().entry(name).orElseThrow(), expected);
    }
    List<Integer> blobOrder = new java.util.ArrayList<>(expected);
    java.util.Collections.sort(blobOrder);
    assertTrue(!expected.equals(blobOrder), "the fixture must tell the two orders apart");
    assertEquals(expected, java.util.Arrays.stream(order).boxed().toList());
  }

  @Test
  void aProfileInAnotherOrderThanTheBlobsCostsNoMoreRequests() throws Exception {
    List<String> inBlobOrder = new java.util.ArrayList<>();
    for (LayerEntry e : layer.index().entries()) {
      if (e.isRegular() && e.name().startsWith("bin/") && e.size() < (64 << 10)) {
        inBlobOrder.add(e.name());
      }
    }
    assertTrue(inBlobOrder.size() >= 4, "small files in bin/: " + inBlobOrder);
    List<String> reversed = new java.util.ArrayList<>(inBlobOrder);
    java.util.Collections.reverse(reversed);
    long blobOrderRequests = prioritizedRequests(inBlobOrder, root.resolve("a"));
    long reversedRequests = prioritizedRequests(reversed, root.resolve("b"));
    assertTrue(reversedRequests <= blobOrderRequests,
        reversedRequests + " requests in the profile's order, " + blobOrderRequests
            + " in blob order");
  }

  private long prioritizedRequests(List<String> profile, Path store) throws Exception {
    ctx.close();
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(store), false),
        64 << 20, writer), 8, 2, 768 << 10);
    requests.set(0);
    LayerFetcher f = fetcher(new FetchPolicy(0, 64 << 10, 256 << 10, true, false, false, 0, 0));
    f.startBackground(profile);
    long deadline = System.currentTimeMillis() + 30_000;
    while (!profile.stream().allMatch(this::cached) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(profile.stream().allMatch(this::cached), "the profile's files are fetched");
    f.close();
    return requests.get();
  }

  /**
   * A blob whose first streamed request holds its bytes back until {@code release} opens, and
   * that records the start of every request it is asked for.
   */
  private BlobSource holdingFirstRequest(java.util.concurrent.CountDownLatch release,
      List<Long> starts) {
    return holdingFirstRequest(release, starts, Long.MAX_VALUE);
  }

  /**
   * As {@link #holdingFirstRequest(java.util.concurrent.CountDownLatch, List)}, but the first
   * response sends all of its bytes but the last {@code tail} at once, and holds back those.
   */
  private BlobSource holdingFirstRequest(java.util.concurrent.CountDownLatch release,
      List<Long> starts, long tail) {
    BlobSource inner = counting();
    return new BlobSource() {
      @Override
      public long size() throws IOException {
        return inner.size();
      }

      @Override
      public void readFully(long offset, byte[] dst, int dstOffset, int length)
          throws IOException {
        inner.readFully(offset, dst, dstOffset, length);
      }

      @Override
      public java.io.InputStream openStream(long offset, long length) throws IOException {
        boolean first;
        synchronized (starts) {
          first = starts.isEmpty();
          starts.add(offset);
        }
        if (first && tail == Long.MAX_VALUE) {
          await(release);
        }
        java.io.InputStream in = inner.openStream(offset, length);
        if (!first || tail == Long.MAX_VALUE) {
          return in;
        }
        return new java.io.FilterInputStream(in) {
          long sent;

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (sent >= length - tail) {
              await(release);
            } else {
              len = (int) Math.min(len, length - tail - sent);
            }
            int n = super.read(b, off, len);
            sent += Math.max(0, n);
            return n;
          }

          @Override
          public long skip(long n) throws IOException {
            return read(new byte[(int) Math.min(n, 8192)], 0, (int) Math.min(n, 8192));
          }
        };
      }

      @Override
      public String describe() {
        return "edge.estargz";
      }
    };
  }

  private static void await(java.util.concurrent.CountDownLatch release) throws IOException {
    try {
      release.await();
    } catch (InterruptedException e) {
      throw new java.io.InterruptedIOException();
    }
  }

  @Test
  void theNextRequestGoesWhileTheLastBytesOfTheOneBeforeAreOnTheirWay() throws Exception {
    ctx.close();
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 4, 4 << 20, Duration.ZERO, 4 << 10, 1L << 30);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<Long> starts = new java.util.ArrayList<>();
    // the first file's unit (over 4 KiB) arrives but its last KiB
    LayerFetcher f = new LayerFetcher("test", layer.index(),
        holdingFirstRequest(release, starts, 1 << 10), layer.format().codec(), ctx,
        new FetchPolicy(0, 0, 256 << 10, true, false, false, 0, 0));
    LayerEntry program = layer.index().entry("bin/rand-65537").orElseThrow();
    assertTrue(program.chunks().get(0).compressedLength() > (4 << 10));
    f.ensureAsync(program.chunks().subList(0, 1), FetchReason.PREDICTED);
    assertEquals(1, moreThan(starts, 0, 10_000), "the program's request went");
    f.ensureAsync(layer.index().entry("bin/rand-4095").orElseThrow().chunks(),
        FetchReason.PREDICTED);
    int seen = moreThan(starts, 1, 10_000);
    release.countDown();
    assertEquals(2, seen, "the next request went within the window: " + starts);
    f.close();
  }

  private static int startsSeen(List<Long> starts) {
    synchronized (starts) {
      return starts.size();
    }
  }

  /** Waits up to {@code millis} for more than {@code n} requests; how many there were. */
  private static int moreThan(List<Long> starts, int n, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (startsSeen(starts) <= n && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    return startsSeen(starts);
  }

  @Test
  void theFirstFileOfTheStartUpHasTheLinkAloneThenTheRestFollowsInOrder() throws Exception {
    ctx.close();
    // a window of 1 KiB: the next request goes when the ones before have 1 KiB left to arrive
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 4, 4 << 20, Duration.ZERO, 1 << 10, 1L << 30);
    List<String> profile = List.of("bin/rand-65537", "xattr/file", "opaque/kept",
        "etc/hostname", "bin/rand-4095");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<Long> starts = new java.util.ArrayList<>();
    LayerFetcher f = new LayerFetcher("test", layer.index(), holdingFirstRequest(release, starts),
        layer.format().codec(), ctx, new FetchPolicy(0, 0, 256 << 10, true, false, false, 0, 0));
    f.startBackground(profile);
    assertEquals(1, moreThan(starts, 0, 10_000), "the first file's request went");
    // four background streams would send the next files now; the lane holds them back
    assertEquals(1, moreThan(starts, 1, 1_000),
        "requests sent while the first file's bytes had not arrived: " + starts);
    // a container's read is never held back by the lane
    LayerEntry read = layer.index().entry("bin/rand-1").orElseThrow();
    f.ensure(read.chunks(), Duration.ofSeconds(10));
    release.countDown();
    long deadline = System.currentTimeMillis() + 30_000;
    while (!profile.stream().allMatch(this::cached) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(profile.stream().allMatch(this::cached), "the profile's files are fetched");
    // each request's first unit comes later in the prioritized order than the one before's
    LayerUnits units = new LayerUnits("test", layer.index());
    int[] order = new ReadAheadPolicy(new FetchPolicy(0, 0, 256 << 10, true, false, false, 0, 0))
        .unitsOf(FetchReason.PRIORITIZED, units, layer.index(), profile);
    List<Long> inOrder = new java.util.ArrayList<>();
    for (int u : order) {
      inOrder.add(units.get(u).offset());
    }
    List<Long> prioritized = new java.util.ArrayList<>(starts);
    // the container's read, sent while the first file was held
    prioritized.remove(Long.valueOf(units.get(units.unitOf(read.chunks().get(0))).offset()));
    List<Integer> positions = prioritized.stream().map(inOrder::indexOf).toList();
    assertTrue(!positions.contains(-1) && positions.size() >= 3
        && positions.equals(positions.stream().sorted().distinct().toList()),
        "requests in the order the start-up opened the files: " + prioritized + " in " + inOrder);
    f.close();
  }

  @Test
  void pastTheStartUpsHeadTheRestGoesAtOnce() throws Exception {
    ctx.close();
    // a head of one byte: the first request is all of it
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 4, 4 << 20, Duration.ZERO, 1 << 10, 1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<Long> starts = new java.util.ArrayList<>();
    LayerFetcher f = new LayerFetcher("test", layer.index(), holdingFirstRequest(release, starts),
        layer.format().codec(), ctx, new FetchPolicy(0, 0, 256 << 10, true, false, false, 0, 0));
    f.startBackground(List.of("bin/rand-65537", "xattr/file", "opaque/kept", "bin/rand-4095"));
    int seen = moreThan(starts, 2, 10_000);
    release.countDown();
    assertTrue(seen > 2, "requests while the head's was held: " + starts);
    f.close();
  }

  @Test
  void theEntrypointsPredictionGoesBeforeTheProfilesFilesAndAWaitingReaderGoesAtOnce()
      throws Exception {
    ctx.close();
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 4, 4 << 20, Duration.ZERO, 1 << 10, 1L << 30);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<Long> starts = new java.util.ArrayList<>();
    LayerFetcher f = new LayerFetcher("test", layer.index(), holdingFirstRequest(release, starts),
        layer.format().codec(), ctx, new FetchPolicy(0, 0, 256 << 10, true, false, false, 0, 0));
    LayerEntry program = layer.index().entry("bin/rand-65537").orElseThrow();
    LayerEntry library = layer.index().entry("bin/rand-4095").orElseThrow();
    f.ensureAsync(program.chunks(), FetchReason.PREDICTED);
    assertEquals(1, moreThan(starts, 0, 10_000), "the program's request went");
    java.util.concurrent.CompletableFuture<Void> lib =
        f.ensureAsync(library.chunks(), FetchReason.PREDICTED);
    f.startBackground(List.of("xattr/file", "opaque/kept"));
    assertEquals(1, moreThan(starts, 1, 1_000),
        "requests sent while the program's bytes had not arrived: " + starts);
    // a container now reads the library: its prediction goes at once, the program still held
    f.ensure(library.chunks(), Duration.ofSeconds(10));
    lib.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(1, release.getCount(), "the program's request is still held");
    release.countDown();
    long deadline = System.currentTimeMillis() + 30_000;
    while (!List.of("xattr/file", "opaque/kept").stream().allMatch(this::cached)
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    LayerUnits units = new LayerUnits("test", layer.index());
    assertEquals(units.get(units.unitOf(library.chunks().get(0))).offset(), starts.get(1),
        "the library's prediction went second, ahead of the profile: " + starts);
    f.close();
  }

  @Test
  void aPrioritizedUnitPacedByTheLaneIsAskedForInOneRequest() throws Exception {
    ctx.close();
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 4, 4 << 20, Duration.ZERO, 512 << 10, 1L << 30);
    // pieces of 16 KiB: without the lane each unit of the file would take several requests,
    // one after the other, a round trip apart
    List<Long> starts = new java.util.ArrayList<>();
    LayerFetcher f = new LayerFetcher("test", layer.index(),
        holdingFirstRequest(new java.util.concurrent.CountDownLatch(0), starts),
        layer.format().codec(), ctx, new FetchPolicy(0, 0, 16 << 10, true, false, false, 0, 0));
    String file = "bin/rand-1048576";
    LayerUnits units = new LayerUnits("test", layer.index());
    List<Integer> fileUnits = new java.util.ArrayList<>();
    unitsOfFile(units, layer.index().entry(file).orElseThrow(), fileUnits);
    assertTrue(fileUnits.stream().anyMatch(u -> units.get(u).length() > (16 << 10)),
        "the fixture has units larger than a piece");
    f.startBackground(List.of(file));
    long deadline = System.currentTimeMillis() + 30_000;
    while (!cached(file) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(cached(file));
    long from = fileUnits.stream().mapToLong(u -> units.get(u).offset()).min().orElseThrow();
    long to = fileUnits.stream().mapToLong(u -> units.get(u).end()).max().orElseThrow();
    long inFile;
    synchronized (starts) {
      inFile = starts.stream().filter(at -> at >= from && at < to).count();
    }
    assertEquals(fileUnits.size(), inFile, "one request per unit of " + file);
    f.close();
  }

  private static void unitsOfFile(LayerUnits units, LayerEntry e, List<Integer> into) {
    for (Chunk c : e.chunks()) {
      int u = units.unitOf(c);
      if (!c.zeros() && c.size() > 0 && !into.contains(u)) {
        into.add(u);
      }
    }
  }

  private boolean cached(String name) {
    LayerEntry e = layer.index().entry(name).orElseThrow();
    return e.chunks().stream().filter(c -> !c.zeros() && c.size() > 0)
        .allMatch(c -> ctx.cache().has(c));
  }
}
