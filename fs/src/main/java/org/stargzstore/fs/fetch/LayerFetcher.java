package org.stargzstore.fs.fetch;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Logger;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.ChunkCodec;
import org.stargzstore.estargz.layer.LayerIndex;

/**
 * Brings one layer's chunks into the cache; what the rest of the daemon holds per layer. The
 * work is done by four classes, one decision each: {@link DemandPlanner} (which units a read
 * needs, what is missing, the claims and the range requests with their read-ahead),
 * {@link ReadAheadPolicy} (what rides along and what the background fetches, from
 * {@link FetchPolicy}), {@link FetchJobRunner} (the range request, decoding, verifying, caching
 * and counting) and {@link LayerBackground} with the daemon-wide {@link BackgroundScheduler}
 * (the background phases). Why bytes are fetched is a {@link FetchReason}. Every chunk is
 * verified against its TOC digest before it enters the cache; a chunk that fails is never
 * cached, and readers waiting for it get the error.
 */
public final class LayerFetcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LayerFetcher.class.getName());

  private final String name;
  private final LayerIndex index;
  private final ChunkCache cache;
  private final LayerUnits units;
  private final FetchStats stats = new FetchStats();
  private final FetchJobRunner runner;
  private final LayerBackground background;
  private final DemandPlanner planner;
  private final StartTimeline timeline;
  private final DemandGate gate;

  /**
   * @param name what logs call this layer (image reference and layer digest)
   */
  public LayerFetcher(String name, LayerIndex index, BlobSource blob, ChunkCodec codec,
      FetchContext ctx, FetchPolicy policy) {
    this(name, index, blob, codec, ctx, policy, new StartTimeline());
  }

  /**
   * @param timeline where the layer's requests and the longest waits of its reads are recorded
   */
  public LayerFetcher(String name, LayerIndex index, BlobSource blob, ChunkCodec codec,
      FetchContext ctx, FetchPolicy policy, StartTimeline timeline) {
    this.name = name;
    this.timeline = timeline;
    this.index = index;
    this.cache = ctx.cache();
    this.gate = ctx.gate();
    this.units = new LayerUnits(name, index);
    ReadAheadPolicy readAhead = new ReadAheadPolicy(policy);
    this.runner = new FetchJobRunner(name, index, blob, codec, ctx, policy, stats, timeline);
    this.background = new LayerBackground(index, units, readAhead, ctx, runner);
    this.planner = new DemandPlanner(name, units, readAhead, ctx, background);
  }

  public FetchStats stats() {
    return stats;
  }

  /** When this layer's start-up steps, requests and longest waits happened. */
  public StartTimeline timeline() {
    return timeline;
  }

  public LayerIndex index() {
    return index;
  }

  /** True if every chunk of the layer is cached. */
  public boolean isComplete() {
    for (Unit u : units.all()) {
      for (Chunk c : u.chunks()) {
        if (!cache.has(c)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * A container did something a start-up does without fetching (opened a file it had not opened,
   * all of it cached by a prefetch): the bulk phases wait for {@code background_quiet} after it
   * as after a fetch, so they do not take the link while the start-up may still miss.
   */
  public void noteStartUpActivity() {
    gate.noteActivity();
  }

  /** Blocks until {@code chunks} are cached (fetching what is missing), or fails. */
  public void ensure(List<Chunk> chunks, Duration timeout) throws IOException {
    DemandPlanner.Planned planned = planner.plan(chunks, FetchReason.DEMAND, runner::submit);
    CompletableFuture<Void> f = planned.done();
    long waitStart = f.isDone() ? 0 : System.nanoTime();
    long waitStartMillis = waitStart == 0 ? 0 : timeline.now();
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
        timeline.waited(new StartTimeline.Wait(chunks.get(0).fileName(), waitStartMillis,
            waited / 1_000_000, planned.bytes(), planned.waitsFor()));
        LOG.fine(() -> name + ": a read of '" + chunks.get(0).fileName() + "' waited "
            + waited / 1_000_000 + " ms for the network");
      }
    }
  }

  /** Starts fetching what {@code chunks} need for a reader; completes when all are cached. */
  public CompletableFuture<Void> ensureAsync(List<Chunk> chunks) {
    return ensureAsync(chunks, FetchReason.DEMAND);
  }

  /**
   * Starts fetching what {@code chunks} need; the future completes when all are cached.
   *
   * @param reason {@link FetchReason#DEMAND} (a reader waits: read-ahead rides along, the
   *     background holds back) or {@link FetchReason#PREDICTED} (the entrypoint, the libraries a
   *     program links: sent at once, holds nobody back)
   * @throws IllegalArgumentException for any other reason: those are the background's
   */
  public CompletableFuture<Void> ensureAsync(List<Chunk> chunks, FetchReason reason) {
    return planner.plan(chunks, reason, runner::submit).done();
  }

  /** Starts prefetching prioritized files and streaming the rest, as the policy says. */
  public void startBackground() {
    startBackground(List.of());
  }

  /**
   * Starts the background phases (once; later calls do nothing).
   *
   * @param profiled files of the layer's access profile (a recorded start-up's files): fetched
   *     with the prioritized files, first; names the TOC does not have are ignored
   */
  public void startBackground(List<String> profiled) {
    background.start(profiled);
  }

  /**
   * Tells {@code listener} of each shared object a container's fetch (not the background's)
   * completes: whoever knows the image can fetch the libraries it links before the loader asks.
   */
  public void onSharedObjectFetched(Consumer<String> listener) {
    runner.onSharedObjectFetched(listener);
  }

  /**
   * A miss on a file {@code files} accepts queues none of its directory's other files for the
   * near-reader phase: a predictor follows what the reader of such a file reads next (the
   * Python import follower, for the interpreter's modules), and the neighbours would only take
   * the link from its predictions (never-seen Python images: about 1 MB less fetched, 2.47 ->
   * 2.40 s and 2.68 -> 2.53 s on 50 Mbit/s + 25 ms, docs/benchmarks.md).
   */
  public void neighboursFollowedElsewhere(Predicate<String> files) {
    background.followedElsewhere(files);
  }

  /**
   * Counts a container as waiting on the daemon until the returned handle is closed, as a demand
   * fetch in flight does: the bulk background phases hold back meanwhile. For waits that are not
   * chunk fetches: podman 4.x looking a layer up waits for the tar size measured for its
   * {@code info} file, and the background must not take the link from that measurement.
   */
  public ContainerWait containerWaits() {
    gate.enter();
    AtomicBoolean open = new AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        gate.noteActivity();
        gate.leave();
      }
    };
  }

  /** A wait of {@link #containerWaits}; closing it twice is harmless. */
  public interface ContainerWait extends AutoCloseable {
    @Override
    void close();
  }

  @Override
  public void close() {
    runner.close();
    background.close();
  }
}
