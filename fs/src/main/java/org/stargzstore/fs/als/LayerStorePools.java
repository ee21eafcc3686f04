package org.stargzstore.fs.als;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * The layer store's threads (docs/threads.md, "Layer store"), made and stopped by whoever
 * composes the process (the daemon's {@code Daemon}, a test's harness) next to its other pools,
 * so one place says which pools a process has and in which order they stop.
 * Close it before the {@link LayerStore}: an opener interrupted mid-way must be done with the
 * store before the layers are closed.
 */
public final class LayerStorePools implements AutoCloseable {
  /** How long {@link #close} waits for interrupted openers to finish. */
  private static final long OPENERS_GRACE_SECONDS = 5;

  private final ExecutorService open;
  private final ExecutorService library;
  private final ScheduledExecutorService housekeeping;

  private LayerStorePools() {
    open = Executors.newFixedThreadPool(8, DaemonThreadFactory.named("layer-open"));
    library = Executors.newSingleThreadExecutor(DaemonThreadFactory.named("library-prefetch"));
    housekeeping = Executors.newSingleThreadScheduledExecutor(
        DaemonThreadFactory.named("layer-housekeeping"));
  }

  /** Starts the pools: {@code layer-open} (8), {@code library-prefetch}, {@code layer-housekeeping}. */
  public static LayerStorePools start() {
    return new LayerStorePools();
  }

  /** Resolving images, reading TOCs early, opening layers, the entrypoint prefetch. */
  ExecutorService open() {
    return open;
  }

  /** Parsing shared objects as they arrive, for the libraries they link. */
  ExecutorService library() {
    return library;
  }

  /** Unloading released layers. */
  ScheduledExecutorService housekeeping() {
    return housekeeping;
  }

  /**
   * Interrupts everything, then waits up to 5 s for the openers: an opener interrupted mid-way
   * may still be keeping a TOC in the store.
   */
  @Override
  public void close() {
    housekeeping.shutdownNow();
    library.shutdownNow();
    open.shutdownNow();
    try {
      open.awaitTermination(OPENERS_GRACE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
