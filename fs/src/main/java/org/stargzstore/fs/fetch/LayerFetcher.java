package org.stargzstore.fs.fetch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.estargz.ChunkDigestMismatchException;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.ChunkCodec;
import org.stargzstore.estargz.layer.ChunkVerifier;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.layer.UnitStreamer;
import org.stargzstore.types.Digest;

/**
 * Brings one layer's chunks into the cache: on demand (a read's missing chunks, grouped into
 * range requests by the merge gap and request size, each followed in the same request by
 * read-ahead), and in the background in the phases of {@link BackgroundPhase} (prioritized files,
 * small files near the reader's misses, small files, then everything in blob order), streamed in
 * pieces paced by a shared byte budget; a piece waits for on-demand fetches to end only with
 * {@code yieldToDemand}, and a background fetch a reader waits for is no longer paced. Every
 * chunk is verified against its TOC digest before it enters the cache; a chunk that fails is
 * never cached, and readers waiting for it get the error.
 */
public final class LayerFetcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LayerFetcher.class.getName());

  private final String name;
  private final LayerIndex index;
  private final BlobSource blob;
  private final ChunkCodec codec;
  private final FetchContext ctx;
  private final FetchPolicy policy;
  private final List<Unit> units;
  private final long[] unitOffsets;
  private final FetchStats stats = new FetchStats();
  private final AtomicBoolean backgroundStarted = new AtomicBoolean();
  /** Neighbours of missed files, set when the background starts (null: none). */
  private DirectoryNeighbours neighbours;
  /** Units near the container's recent misses, for the NEAR_READER phase. Guarded by this. */
  private final java.util.ArrayDeque<Integer> nearQueue = new java.util.ArrayDeque<>();
  private final java.util.BitSet nearQueued = new java.util.BitSet();
  private volatile boolean closed;
  private volatile Consumer<String> sharedObjectListener;

  /**
   * @param name what logs call this layer (image reference and layer digest)
   */
  public LayerFetcher(String name, LayerIndex index, BlobSource blob, ChunkCodec codec,
      FetchContext ctx, FetchPolicy policy) {
    this.name = name;
    this.index = index;
    this.blob = blob;
    this.codec = codec;
    this.ctx = ctx;
    this.policy = policy;
    this.units = Unit.of(index.chunksInBlobOrder());
    this.unitOffsets = units.stream().mapToLong(Unit::offset).toArray();
  }

  public FetchStats stats() {
    return stats;
  }

  public LayerIndex index() {
    return index;
  }

  /** True if every chunk of the layer is cached. */
  public boolean isComplete() {
    for (Unit u : units) {
      for (Chunk c : u.chunks()) {
        if (!ctx.cache().has(c)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Blocks until {@code chunks} are cached (fetching what is missing), or fails. */
  public void ensure(List<Chunk> chunks, Duration timeout) throws IOException {
    CompletableFuture<Void> f = ensureAsync(chunks);
    long waitStart = f.isDone() ? 0 : System.nanoTime();
    try {
      f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException(name + ": fetch failed: " + c, c);
    } catch (TimeoutException e) {
      throw new IOException(name + ": fetching " + chunks.size() + " chunk(s) took longer than "
          + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching");
    } finally {
      if (waitStart != 0) {
        long waited = System.nanoTime() - waitStart;
        stats.readsWaited.incrementAndGet();
        stats.readWaitNanos.addAndGet(waited);
        LOG.fine(() -> name + ": a read of '" + chunks.get(0).fileName() + "' waited "
            + waited / 1_000_000 + " ms for the network");
      }
    }
  }

  /** How urgently chunks are wanted. */
  public enum Priority {
    /** A reader is waiting for them. */
    DEMAND,
    /** They are predicted to be read soon (the entrypoint, read-ahead). */
    PREFETCH
  }

  /** Starts fetching what {@code chunks} need; the future completes when all are cached. */
  public CompletableFuture<Void> ensureAsync(List<Chunk> chunks) {
    return ensureAsync(chunks, Priority.DEMAND);
  }

  /**
   * Starts fetching what {@code chunks} need, as {@code priority} says; the future completes
   * when all are cached.
   */
  public CompletableFuture<Void> ensureAsync(List<Chunk> chunks, Priority priority) {
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    Map<Digest, InFlightChunks.Claim> owned = new java.util.LinkedHashMap<>();
    TreeSet<Integer> wanted = new TreeSet<>();
    Set<Digest> seen = new HashSet<>();
    InFlightChunks.Claim[] existing = new InFlightChunks.Claim[1];
    List<Chunk> missed = new ArrayList<>();
    for (Chunk c : chunks) {
      if (!seen.add(c.digest())) {
        continue;
      }
      InFlightChunks.Claim mine = claimUncached(c, existing);
      if (mine == null) {
        if (existing[0] == null) {
          continue;
        }
        FetchJob other = existing[0].owner;
        if (other != null && other.background && priority == Priority.DEMAND) {
          other.urgent = true;
        }
        waits.add(existing[0].done());
        continue;
      }
      owned.put(c.digest(), mine);
      missed.add(c);
      wanted.add(unitOf(c));
      waits.add(mine.done());
    }
    if (!owned.isEmpty()) {
      FetchReason reason = priority == Priority.DEMAND ? FetchReason.DEMAND
          : FetchReason.PREDICTED;
      List<FetchJob> exact = planExactJobs(wanted, owned, reason);
      if (priority == Priority.DEMAND) {
        // the neighbours of a miss are asked for once its response has begun: on a shared
        // link, bytes requested before the miss's would be served before them
        exact.get(0).onResponse = () -> queueNeighbours(missed);
      }
      for (FetchJob job : exact) {
        if (priority == Priority.DEMAND) {
          // what a reader will probably read next rides in the same request, after the bytes it
          // waits for (which it gets as soon as they arrive): one request, and nothing of ours
          // ahead of the reader's bytes on the link. Predicted fetches are whole files: nothing
          // is known to follow them.
          job.leadUnits = job.units.size();
          job.units.addAll(claimReadAhead(job));
        }
        submit(job);
      }
    }
    return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new));
  }

  private void submit(FetchJob job) {
    ctx.gate().noteActivity();
    boolean holdsBackground = job.reason == FetchReason.DEMAND;
    if (holdsBackground) {
      ctx.gate().enter();
    }
    try {
      ctx.demandPool().execute(() -> {
        try {
          run(job);
        } finally {
          if (holdsBackground) {
            ctx.gate().leave();
          }
        }
      });
    } catch (RuntimeException e) {
      if (holdsBackground) {
        ctx.gate().leave();
      }
      failAll(job, new IOException(name + ": cannot schedule a fetch: " + e, e));
    }
  }

  /** Groups wanted units into requests, merging near neighbours. */
  private List<FetchJob> planExactJobs(TreeSet<Integer> wanted,
      Map<Digest, InFlightChunks.Claim> owned, FetchReason reason) {
    List<FetchJob> jobs = new ArrayList<>();
    List<Unit> run = new ArrayList<>();
    for (int i : wanted) {
      Unit u = units.get(i);
      if (!run.isEmpty()) {
        Unit last = run.get(run.size() - 1);
        if (u.offset() - last.end() > policy.mergeGapBytes()
            || u.end() - run.get(0).offset() > policy.backgroundRequestBytes()) {
          jobs.add(takeOwned(run, owned, reason));
          run = new ArrayList<>();
        }
      }
      run.add(u);
    }
    if (!run.isEmpty()) {
      jobs.add(takeOwned(run, owned, reason));
    }
    if (!jobs.isEmpty() && reason == FetchReason.DEMAND) {
      FetchJob lastJob = jobs.get(jobs.size() - 1);
      readerMoved(lastJob.units.get(lastJob.units.size() - 1).index() + 1);
    }
    if (!owned.isEmpty()) {
      throw new IllegalStateException(name + ": claimed chunks outside any planned unit");
    }
    return jobs;
  }

  private static FetchJob takeOwned(List<Unit> run, Map<Digest, InFlightChunks.Claim> owned,
      FetchReason reason) {
    FetchJob job = new FetchJob(run, reason);
    for (Unit u : run) {
      for (Chunk c : u.chunks()) {
        InFlightChunks.Claim cl = owned.remove(c.digest());
        if (cl != null) {
          cl.owner = job;
          job.owned.put(c.digest(), cl);
        }
      }
    }
    return job;
  }

  /**
   * True if a reader of {@code file} probably reads {@code u} next: the rest of the same file, or
   * other files of its directory. Past the directory, blob order says nothing about what is read
   * next (measured on the Python image: 0.86 of 0.94 MB read ahead across directories went
   * unread). Nor does it next to a library in the loader's directories: those are loaded by
   * name (and their own libraries prefetched when they arrive), so only the rest of the library
   * itself is read ahead (on the Python image, a loader's miss on {@code libm} read 126 KB of
   * unused neighbours). An interpreter's native modules keep the directory read-ahead: Python's
   * {@code lib-dynload} modules are imported close to their blob order (without it, 4 more
   * reads waited and the start-up took 0.3 s longer).
   */
  static boolean readsNext(String file, Unit u) {
    boolean sameFileOnly = SharedObjects.isLoaderLibrary(file);
    String dir = DirectoryNeighbours.directoryOf(file);
    for (Chunk c : u.chunks()) {
      if (sameFileOnly ? !c.fileName().equals(file)
          : !DirectoryNeighbours.directoryOf(c.fileName()).equals(dir)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Claims for {@code job} the units after its last one in blob order, within the read-ahead
   * budget and the missed file's directory, that are neither cached nor being fetched; returns
   * them (maybe none).
   */
  private List<Unit> claimReadAhead(FetchJob job) {
    long budget = policy.readAheadBytes();
    List<Unit> run = new ArrayList<>();
    InFlightChunks.Claim[] existing = new InFlightChunks.Claim[1];
    Unit last = job.units.get(job.units.size() - 1);
    int next = last.index() + 1;
    String missedFile = last.chunks().get(last.chunks().size() - 1).fileName();
    while (budget > 0 && next < units.size()) {
      Unit u = units.get(next);
      if (u.offset() - last.end() > policy.mergeGapBytes() || u.end() - last.end() > budget) {
        break;
      }
      if (!readsNext(missedFile, u)) {
        break;
      }
      Map<Digest, InFlightChunks.Claim> got = new java.util.LinkedHashMap<>();
      boolean blocked = false;
      for (Chunk c : u.chunks()) {
        if (job.owned.containsKey(c.digest()) || got.containsKey(c.digest())) {
          continue;
        }
        InFlightChunks.Claim cl = claimUncached(c, existing);
        if (cl == null) {
          blocked |= existing[0] != null;
          continue;
        }
        cl.owner = job;
        got.put(c.digest(), cl);
      }
      if (got.isEmpty()) {
        break;
      }
      job.owned.putAll(got);
      run.add(u);
      budget -= u.end() - last.end();
      last = u;
      next++;
      if (blocked) {
        break;
      }
    }
    return run;
  }

  /**
   * Claims {@code c} for fetching. Null if it is cached ({@code existing[0]} null) or someone
   * else fetches it ({@code existing[0]} is their claim). The cache is checked again after the
   * claim: a delivery landing between the first check and the claim would be fetched twice.
   */
  private InFlightChunks.Claim claimUncached(Chunk c, InFlightChunks.Claim[] existing) {
    existing[0] = null;
    if (ctx.cache().has(c)) {
      return null;
    }
    InFlightChunks.Claim cl = ctx.inFlight().claim(c, existing);
    if (cl != null && ctx.cache().has(c)) {
      ctx.inFlight().succeed(cl);
      return null;
    }
    return cl;
  }

  private int unitOf(Chunk c) {
    int i = Arrays.binarySearch(unitOffsets, c.compressedOffset());
    if (i < 0) {
      throw new IllegalStateException(name + ": chunk of " + c.fileName() + " at compressed offset "
          + c.compressedOffset() + " is in no unit");
    }
    return i;
  }

  /** Starts prefetching prioritized files and streaming the rest, as the policy says. */
  public void startBackground() {
    if ((!policy.prefetch() && !policy.background()) || !backgroundStarted.compareAndSet(false, true)) {
      return;
    }
    // a layer opens when a container is about to start: its reads come first
    ctx.gate().noteActivity();
    if (policy.prefetch()) {
      phases.put(BackgroundPhase.PRIORITIZED, new Cursor(prioritizedUnits(), false));
    }
    if (policy.background()) {
      if (policy.nearbyBytes() > 0) {
        DirectoryNeighbours n = DirectoryNeighbours.of(units, index);
        synchronized (this) {
          neighbours = n;
        }
      }
      if (policy.smallFileBytes() > 0) {
        phases.put(BackgroundPhase.SMALL_FILES, new Cursor(smallFileUnits(), true));
      }
      phases.put(BackgroundPhase.EVERYTHING, new Cursor(allUnits(), true));
    }
    ctx.scheduler().register(this);
  }

  /** Where one background phase of this layer has got to. */
  private static final class Cursor {
    final int[] order;
    final boolean followReader;
    int next;
    int idle;
    boolean exhausted;
    /** The unit after the last on-demand miss, not yet acted upon; -1 if none. */
    int readerAt = -1;

    Cursor(int[] order, boolean followReader) {
      this.order = order;
      this.followReader = followReader;
      this.exhausted = order.length == 0;
    }
  }

  private final java.util.EnumMap<BackgroundPhase, Cursor> phases =
      new java.util.EnumMap<>(BackgroundPhase.class);

  /** True once every phase has issued everything it had (or the layer is closed). */
  synchronized boolean backgroundDone() {
    return closed || (nearQueue.isEmpty() && phases.values().stream().allMatch(c -> c.exhausted));
  }

  /** After on-demand misses: queue the small files next to them for the NEAR_READER phase. */
  private void queueNeighbours(List<Chunk> missed) {
    boolean added = false;
    synchronized (this) {
      if (neighbours == null || closed) {
        return;
      }
      for (Chunk c : missed) {
        if (SharedObjects.isSharedObject(c.fileName())) {
          continue;
        }
        String dir = DirectoryNeighbours.directoryOf(c.fileName());
        for (int u : neighbours.around(dir, unitOf(c), units, policy.nearbyBytes())) {
          if (!nearQueued.get(u)) {
            nearQueued.set(u);
            nearQueue.add(u);
            added = true;
          }
        }
      }
    }
    if (added) {
      ctx.scheduler().wake();
    }
  }

  /** The next request of neighbours of recent misses, in the order they were queued. */
  private Optional<FetchJob> planNearby() {
    List<Unit> run = new ArrayList<>();
    FetchJob job = new FetchJob(run, FetchReason.NEAR_READER);
    while (!nearQueue.isEmpty()) {
      Unit u = units.get(nearQueue.peekFirst());
      if (!run.isEmpty() && !extends_(run, u)) {
        break;
      }
      nearQueue.pollFirst();
      if (claimFor(job, u)) {
        run.add(u);
      }
    }
    return run.isEmpty() ? Optional.empty() : Optional.of(job);
  }

  /**
   * The next background request of {@code phase}, its chunks claimed; empty if the phase has
   * nothing left. Follow-the-reader phases start from where the last on-demand miss ended and
   * wrap around until a whole pass finds nothing left to fetch.
   */
  synchronized Optional<FetchJob> planBackground(BackgroundPhase phase) {
    if (phase == BackgroundPhase.NEAR_READER) {
      return closed ? Optional.empty() : planNearby();
    }
    Cursor cur = phases.get(phase);
    if (cur == null || cur.exhausted || closed) {
      return Optional.empty();
    }
    int n = cur.order.length;
    if (cur.followReader && cur.readerAt >= 0) {
      int at = Arrays.binarySearch(cur.order, cur.readerAt);
      at = at >= 0 ? at : -at - 1;
      if (at < n) {
        cur.next = at;
      }
      cur.readerAt = -1;
    }
    while (cur.idle < n) {
      List<Unit> run = new ArrayList<>();
      FetchJob job = new FetchJob(run, phase.reason);
      int i = cur.next;
      for (; i < n; i++) {
        Unit u = units.get(cur.order[i]);
        if (!run.isEmpty() && !extends_(run, u)) {
          break;
        }
        if (!claimFor(job, u)) {
          if (!run.isEmpty()) {
            break;
          }
          cur.idle++;
          continue;
        }
        run.add(u);
      }
      if (i >= n) {
        if (!cur.followReader) {
          cur.exhausted = run.isEmpty();
          cur.idle = n;
        }
        i = 0;
      }
      cur.next = i;
      if (!run.isEmpty()) {
        cur.idle = 0;
        return Optional.of(job);
      }
    }
    cur.exhausted = true;
    return Optional.empty();
  }

  /** The container read just before unit {@code unit}: background phases continue from there. */
  private synchronized void readerMoved(int unit) {
    for (Cursor c : phases.values()) {
      if (c.followReader) {
        c.readerAt = unit;
      }
    }
  }

  /** Runs a planned background request (on a scheduler thread). */
  void runBackground(FetchJob job) {
    run(job);
  }

  String name() {
    return name;
  }

  private int[] prioritizedUnits() {
    TreeSet<Integer> set = new TreeSet<>();
    for (LayerEntry e : index.prioritizedEntries()) {
      for (Chunk c : e.chunks()) {
        if (!c.zeros() && c.size() > 0) {
          set.add(unitOf(c));
        }
      }
    }
    return set.stream().mapToInt(Integer::intValue).toArray();
  }

  private int[] allUnits() {
    int[] all = new int[units.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return all;
  }

  /** Units whose chunks all belong to files of at most {@code smallFileBytes}, in blob order. */
  private int[] smallFileUnits() {
    java.util.Map<String, Long> sizes = new java.util.HashMap<>();
    for (LayerEntry e : index.entries()) {
      if (e.isRegular()) {
        sizes.put(e.name(), e.size());
      }
    }
    return units.stream().filter(u -> u.chunks().stream().allMatch(
            c -> sizes.getOrDefault(c.fileName(), Long.MAX_VALUE) <= policy.smallFileBytes()))
        .mapToInt(Unit::index).toArray();
  }

  /** True if {@code u} can be appended to {@code run} in the same request. */
  private boolean extends_(List<Unit> run, Unit u) {
    Unit last = run.get(run.size() - 1);
    return u.offset() >= last.end() && u.offset() - last.end() <= policy.mergeGapBytes()
        && u.end() - run.get(0).offset() <= policy.backgroundRequestBytes();
  }

  /** Claims the chunks of {@code u} that are neither cached nor fetched by anyone; any? */
  private boolean claimFor(FetchJob job, Unit u) {
    InFlightChunks.Claim[] existing = new InFlightChunks.Claim[1];
    boolean claimedAny = false;
    for (Chunk c : u.chunks()) {
      if (job.owned.containsKey(c.digest())) {
        continue;
      }
      InFlightChunks.Claim cl = claimUncached(c, existing);
      if (cl != null) {
        cl.owner = job;
        job.owned.put(c.digest(), cl);
        claimedAny = true;
      }
    }
    return claimedAny;
  }

  private PiecewiseStream.Pacer backgroundPacer(FetchJob job) {
    return new PiecewiseStream.Pacer() {
      /** Budget held for the piece being read (pieces of one job are sequential). */
      private long held;

      @Override
      public boolean urgent() {
        return job.urgent;
      }

      @Override
      public void beforePiece(long bytes) throws InterruptedException {
        if (job.urgent) {
          return;
        }
        if (policy.yieldToDemand()) {
          ctx.gate().awaitNoDemand(job);
        }
        ctx.backgroundBudget().acquire(bytes);
        held = bytes;
      }

      @Override
      public void afterPiece(long bytes) {
        if (held > 0) {
          ctx.backgroundBudget().release(held);
          held = 0;
        }
      }
    };
  }

  /** Runs one range request and delivers the claimed chunks of each unit as it arrives. */
  private void run(FetchJob job) {
    if (!job.background) {
      stats.requests.incrementAndGet();
      if (job.reason == FetchReason.DEMAND) {
        stats.demandFetches.incrementAndGet();
      }
    }
    LOG.fine(() -> name + ": " + job.reason.label() + ", bytes " + job.start() + "-" + job.end()
        + " (" + job.units.size() + " units, first for '"
        + job.units.get(0).chunks().get(0).fileName() + "')");
    long pos = job.start();
    int unitNo = 0;
    try (InputStream in = job.background
        ? new PiecewiseStream(blob, job.start(), job.end(), policy.backgroundRequestBytes(),
            backgroundPacer(job))
        : blob.openStream(job.start(), job.end() - job.start())) {
      if (job.onResponse != null) {
        job.onResponse.run();
      }
      for (Unit u : job.units) {
        if (closed) {
          throw new IOException(name + ": layer closed");
        }
        in.skipNBytes(u.offset() - pos);
        if (UnitStreamer.tooLargeForMemory(u.length(), UnitStreamer.decodedLength(u.chunks()),
            ctx.cache().streamAboveBytes())) {
          BoundedStream unit = new BoundedStream(in, u.length());
          deliverStreamed(job, u, unit);
          unit.skipRest();
          if (unit.remaining() > 0) {
            throw new EOFException(blob.describe() + ": blob ended at " + (u.end()
                - unit.remaining()) + ", before the end of a chunk at " + u.end());
          }
        } else {
          byte[] buf = new byte[(int) u.length()]; // exact: readNBytes(n) would copy twice
          int got = in.readNBytes(buf, 0, buf.length);
          if (got != u.length()) {
            throw new EOFException(blob.describe() + ": blob ended at " + (u.offset() + got)
                + ", before the end of a chunk at " + u.end());
          }
          deliver(job, u, buf);
        }
        stats.addBytes(job.reasonOf(unitNo++), u.end() - pos);
        pos = u.end();
      }
      if (in instanceof PiecewiseStream ps) {
        stats.requests.addAndGet(ps.requests());
      }
      failAll(job, new IOException(name + ": internal error: chunks claimed but not delivered"));
    } catch (IOException e) {
      stats.fetchErrors.incrementAndGet();
      LOG.warning(() -> name + ": fetching bytes " + job.start() + "-" + job.end() + " failed: " + e);
      failAll(job, e);
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, name + ": internal error while fetching", e);
      failAll(job, new IOException(name + ": internal error: " + e, e));
    }
  }

  private void deliver(FetchJob job, Unit u, byte[] buf) {
    String[] lastSharedObject = {null};
    for (Chunk c : u.chunks()) {
      InFlightChunks.Claim cl = job.owned.remove(c.digest());
      if (cl == null) {
        continue;
      }
      try {
        byte[] data = codec.decode(buf, 0, buf.length, c, blob.describe());
        ChunkVerifier.verify(blob.describe(), c, data);
        ctx.cache().put(c, data);
        delivered(job, c, cl, lastSharedObject);
      } catch (IOException | RuntimeException e) {
        notDelivered(u, c, cl, e);
      }
    }
  }

  /**
   * Delivers the claimed chunks of a unit too large for memory: decoded as a stream from the
   * response, each chunk written to a temp file in the store while hashed, moved into the store
   * only if it verifies. Readers wait for the chunk as for any other in flight.
   */
  private void deliverStreamed(FetchJob job, Unit u, InputStream unit) throws IOException {
    List<Chunk> mine = new ArrayList<>();
    Map<Chunk, InFlightChunks.Claim> claims = new java.util.HashMap<>();
    for (Chunk c : u.chunks()) {
      InFlightChunks.Claim cl = job.owned.remove(c.digest());
      if (cl != null) {
        mine.add(c);
        claims.put(c, cl);
      }
    }
    if (mine.isEmpty()) {
      return;
    }
    String[] lastSharedObject = {null};
    LOG.fine(() -> name + ": streaming a unit of " + u.length() + " bytes (" + mine.size()
        + " chunk(s) of '" + mine.get(0).fileName() + "') through the store");
    UnitStreamer.stream(unit, codec, mine, blob.describe(), new UnitStreamer.ChunkFiles() {
      @Override
      public java.nio.file.Path create(Chunk c) throws IOException {
        return ctx.cache().store().newTempFile();
      }

      @Override
      public void verified(Chunk c, java.nio.file.Path file) {
        try {
          ctx.cache().putVerifiedFile(c, file);
          delivered(job, c, claims.get(c), lastSharedObject);
        } catch (IOException | RuntimeException e) {
          notDelivered(u, c, claims.get(c), e);
        }
      }

      @Override
      public void rejected(Chunk c, IOException why) {
        notDelivered(u, c, claims.get(c), why);
      }
    });
  }

  /** A verified chunk is cached: its waiters go on; a container's shared object is noted. */
  private void delivered(FetchJob job, Chunk c, InFlightChunks.Claim cl,
      String[] lastSharedObject) {
    stats.chunksFetched.incrementAndGet();
    ctx.inFlight().succeed(cl);
    if (!job.background && !c.fileName().equals(lastSharedObject[0])
        && SharedObjects.isSharedObject(c.fileName())) {
      lastSharedObject[0] = c.fileName();
      sharedObjectArrived(c.fileName());
    }
  }

  /** A claimed chunk failed: never cached, its waiters get the error, the log says why. */
  private void notDelivered(Unit u, Chunk c, InFlightChunks.Claim cl, Exception e) {
    stats.verifyFailures.incrementAndGet();
    if (e instanceof ChunkDigestMismatchException m) {
      LOG.severe(() -> name + ": NOT serving file '" + c.fileName() + "': chunk at file offset "
          + c.fileOffset() + " (" + c.size() + " bytes, blob bytes " + u.offset() + "-"
          + u.end() + ") hashes to " + m.actual() + " but the TOC says " + m.expected());
    } else {
      LOG.severe(() -> name + ": NOT serving file '" + c.fileName() + "': chunk at file offset "
          + c.fileOffset() + " cannot be decoded: " + e.getMessage());
    }
    ctx.inFlight().fail(cl,
        e instanceof IOException io ? io : new IOException(e.getMessage(), e));
  }

  /**
   * Tells {@code listener} of each shared object a container's fetch (not the background's)
   * completes: whoever knows the image can fetch the libraries it links before the loader asks.
   */
  public void onSharedObjectFetched(Consumer<String> listener) {
    this.sharedObjectListener = listener;
  }

  private void sharedObjectArrived(String fileName) {
    Consumer<String> l = sharedObjectListener;
    if (l == null) {
      return;
    }
    Optional<LayerEntry> e = index.entry(fileName);
    if (e.isPresent() && e.get().chunks().stream().allMatch(ctx.cache()::has)) {
      l.accept(fileName);
    }
  }

  private void failAll(FetchJob job, IOException e) {
    for (Map.Entry<Digest, InFlightChunks.Claim> en : job.owned.entrySet()) {
      ctx.inFlight().fail(en.getValue(), e);
    }
    job.owned.clear();
  }

  @Override
  public void close() {
    closed = true;
  }
}
