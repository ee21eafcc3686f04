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
    LayerFetcher f = neighboursOnly();
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
  void aMissOnAFileAPredictorFollowsQueuesNoNeighbours() throws Exception {
    LayerFetcher f = neighboursOnly();
    f.neighboursFollowedElsewhere(name -> name.equals("bin/rand-4095"));
    f.startBackground();
    f.ensure(layer.index().entry("bin/rand-4095").orElseThrow().chunks(), Duration.ofSeconds(10));
    Thread.sleep(500);
    for (String n : List.of("bin/rand-1", "bin/rand-4096", "bin/rand-65535")) {
      assertTrue(!cached(n), n + " was fetched as a neighbour of a followed file's miss");
    }
    // a miss on a file nobody follows still brings its neighbours
    f.ensure(layer.index().entry("bin/rand-4096").orElseThrow().chunks(), Duration.ofSeconds(10));
    long deadline = System.currentTimeMillis() + 10_000;
    while (!cached("bin/rand-65535") && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(cached("bin/rand-65535"), "the neighbours of an unfollowed miss");
  }

  /**
   * A fetcher whose bulk background (small files, then everything) waits for an hour of quiet,
   * which never comes: only a miss's directory neighbours may be fetched in the background.
   */
  private LayerFetcher neighboursOnly() throws IOException {
    ctx.close();
    ctx = new FetchContext(new ChunkCache(ContentStore.open(new StoreLayout(root), false),
        64 << 20, writer), 8, 2, 768 << 10, Duration.ofHours(1));
    return fetcher(new FetchPolicy(0, 64 << 10, 256 << 10, false, true, false, 64 << 10,
        4 << 20));
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
