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
  private final ExecutorService pieceAhead;
  private final BackgroundScheduler scheduler;
  private final ByteBudget backgroundBudget;

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
   * @param backgroundQuiet the bulk of the background (small files, then everything) waits until
   *     no container has missed for this long: while a container is starting, the link carries
   *     what it reads, the neighbours of its misses and prioritized files only
   */
  public FetchContext(ChunkCache cache, int maxDemandRequests, int maxBackgroundStreams,
      long backgroundInflightBytes, java.time.Duration backgroundQuiet) {
    this.cache = cache;
    this.backgroundBudget = new ByteBudget(backgroundInflightBytes);
    this.demandPool = new ThreadPoolExecutor(0, maxDemandRequests, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), DaemonThreadFactory.numbered("fetch-demand"),
        new ThreadPoolExecutor.CallerRunsPolicy());
    this.scheduler = new BackgroundScheduler(maxBackgroundStreams, gate, backgroundQuiet);
    // a background stream has at most one piece requested ahead: one thread per stream at most
    this.pieceAhead = new ThreadPoolExecutor(0, Math.max(1, maxBackgroundStreams), 30,
        TimeUnit.SECONDS, new SynchronousQueue<>(), DaemonThreadFactory.numbered("fetch-ahead"),
        new ThreadPoolExecutor.AbortPolicy());
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

  /** Requests background streams' next pieces while their current ones are read. */
  java.util.concurrent.Executor pieceAhead() {
    return pieceAhead;
  }

  BackgroundScheduler scheduler() {
    return scheduler;
  }

  ByteBudget backgroundBudget() {
    return backgroundBudget;
  }

  @Override
  public void close() {
    demandPool.shutdownNow();
    pieceAhead.shutdownNow();
    scheduler.close();
  }
}
