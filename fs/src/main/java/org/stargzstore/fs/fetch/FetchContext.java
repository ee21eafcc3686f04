package org.stargzstore.fs.fetch;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * What every layer's fetcher shares: the chunk cache, the in-flight claims (so layers sharing
 * content fetch it once), the demand gate, and the thread pools. One per daemon.
 */
public final class FetchContext implements AutoCloseable {
  private final ChunkCache cache;
  private final InFlightChunks inFlight = new InFlightChunks();
  private final DemandGate gate = new DemandGate();
  private final ExecutorService demandPool;
  private final BackgroundScheduler scheduler;
  private final ByteBudget backgroundBudget;
  private final OrderedLane lane;

  /**
   * @param maxDemandRequests concurrent on-demand requests (all layers)
   * @param maxBackgroundStreams background requests at once (all layers)
   * @param backgroundInflightBytes bytes background requests may have outstanding (all layers)
   */
  public FetchContext(ChunkCache cache, int maxDemandRequests, int maxBackgroundStreams,
      long backgroundInflightBytes) {
    this(cache, maxDemandRequests, maxBackgroundStreams, backgroundInflightBytes,
        java.time.Duration.ZERO);
  }

  /**
   * @param backgroundQuiet see {@link #FetchContext(ChunkCache, int, int, long, java.time.Duration,
   *     long)}; no {@link OrderedLane} (predictions and prioritized files go at once)
   */
  public FetchContext(ChunkCache cache, int maxDemandRequests, int maxBackgroundStreams,
      long backgroundInflightBytes, java.time.Duration backgroundQuiet) {
    this(cache, maxDemandRequests, maxBackgroundStreams, backgroundInflightBytes, backgroundQuiet,
        0, 0);
  }

  /**
   * @param backgroundQuiet the bulk of the background (small files, then everything) waits until
   *     no container has missed for this long: while a container is starting, the link carries
   *     what it reads, the neighbours of its misses and prioritized files only
   * @param orderedWindowBytes predictions and prioritized files go one after another, each once
   *     those before it have at most this many bytes left to arrive ({@link OrderedLane}; 0: all
   *     at once)
   * @param orderedHeadBytes how many bytes of a start-up (from a layer's opening on) pass the
   *     lane; the rest goes at once
   */
  public FetchContext(ChunkCache cache, int maxDemandRequests, int maxBackgroundStreams,
      long backgroundInflightBytes, java.time.Duration backgroundQuiet,
      long orderedWindowBytes, long orderedHeadBytes) {
    this.cache = cache;
    this.backgroundBudget = new ByteBudget(backgroundInflightBytes);
    this.demandPool = new ThreadPoolExecutor(0, maxDemandRequests, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), DaemonThreadFactory.numbered("fetch-demand"),
        new ThreadPoolExecutor.CallerRunsPolicy());
    this.scheduler = new BackgroundScheduler(maxBackgroundStreams, gate, backgroundQuiet);
    this.lane = new OrderedLane(orderedWindowBytes, orderedHeadBytes, scheduler::wake);
  }

  /** A bounded executor for store writes: when the disk lags, fetchers wait for it. */
  public static ExecutorService diskWriter(int threads) {
    return new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256), DaemonThreadFactory.numbered("store-writer"),
        new ThreadPoolExecutor.CallerRunsPolicy());
  }

  /**
   * Stops a {@link #diskWriter} after the writes already handed to it (up to {@code limit}): a
   * clean stop leaves every verified chunk it fetched in the store, and nothing writes into the
   * store after its owner has closed it.
   */
  public static void finishWrites(ExecutorService diskWriter, java.time.Duration limit) {
    diskWriter.shutdown();
    try {
      diskWriter.awaitTermination(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public ChunkCache cache() {
    return cache;
  }

  public InFlightChunks inFlight() {
    return inFlight;
  }

  public DemandGate gate() {
    return gate;
  }

  ExecutorService demandPool() {
    return demandPool;
  }

  BackgroundScheduler scheduler() {
    return scheduler;
  }

  OrderedLane lane() {
    return lane;
  }

  ByteBudget backgroundBudget() {
    return backgroundBudget;
  }

  @Override
  public void close() {
    demandPool.shutdownNow();
    scheduler.close();
  }
}
