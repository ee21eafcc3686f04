package org.stargzstore.fs.fetch;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * One background fetcher for all layers: a few worker threads that each take the most valuable
 * request any layer has left, phase by phase in {@link FetchReason#BACKGROUND_PHASES} order
 * (prioritized files of every layer, then small files near containers' recent misses, then small
 * files, then the rest; the bulk phases only once containers have been quiet, see
 * {@link DemandGate}; layers in turn within a phase) and run it. Per-layer streams would let one
 * layer's large files compete with another layer's small ones. Each layer's
 * {@link LayerBackground} plans its requests; they run on these threads.
 */
final class BackgroundScheduler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(BackgroundScheduler.class.getName());

  private final List<LayerBackground> layers = new CopyOnWriteArrayList<>();
  private final Thread[] workers;
  private int turn;
  private volatile boolean closed;
  private final DemandGate gate;
  private final long quietNanos;
  /** How long an idle worker waits before looking again (quiet may have come meanwhile). */
  private final long idleWaitMillis;

  BackgroundScheduler(int workers, DemandGate gate, java.time.Duration quiet) {
    this.gate = gate;
    this.quietNanos = quiet.toNanos();
    this.idleWaitMillis = quietNanos > 0 ? Math.max(1, Math.min(200, quiet.toMillis() / 2)) : 200;
    this.workers = new Thread[workers];
    DaemonThreadFactory threads = DaemonThreadFactory.numbered("fetch-background");
    for (int i = 0; i < workers; i++) {
      Thread t = threads.newThread(this::work);
      this.workers[i] = t;
      t.start();
    }
  }

  void register(LayerBackground layer) {
    layers.add(layer);
    synchronized (this) {
      notifyAll();
    }
  }

  /** A layer has new work for a phase it had finished (workers may be waiting). */
  void wake() {
    synchronized (this) {
      notifyAll();
    }
  }

  private void work() {
    while (!closed) {
      try {
        Optional<Planned> p = next();
        if (p.isEmpty()) {
          synchronized (this) {
            wait(idleWaitMillis);
          }
          continue;
        }
        p.get().layer().run(p.get().job());
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "background fetch failed", e);
      }
    }
  }

  private record Planned(LayerBackground layer, FetchJob job) {}

  private synchronized Optional<Planned> next() {
    layers.removeIf(LayerBackground::done);
    int n = layers.size();
    if (n == 0) {
      return Optional.empty();
    }
    boolean quiet = quietNanos <= 0 || gate.nanosSinceActivity() >= quietNanos;
    for (FetchReason phase : FetchReason.BACKGROUND_PHASES) {
      if (phase.isBulk() && !quiet) {
        break;
      }
      for (int k = 0; k < n; k++) {
        int idx = (turn + k) % n;
        LayerBackground l = layers.get(idx);
        Optional<FetchJob> job = l.plan(phase);
        if (job.isPresent()) {
          turn = idx + 1;
          return Optional.of(new Planned(l, job.get()));
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    closed = true;
    for (Thread t : workers) {
      t.interrupt();
    }
  }
}
