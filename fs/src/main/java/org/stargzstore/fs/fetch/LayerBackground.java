package org.stargzstore.fs.fetch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerIndex;

/**
 * One layer's part of the background: where each of its background phases
 * ({@link FetchReason#BACKGROUND_PHASES}) has got to, and the next request of a phase when the
 * {@link BackgroundScheduler} asks for one. The near-reader phase fetches the neighbours of a
 * reader's recent misses, in the order they were queued; the bulk phases continue from where
 * the reader last missed and wrap around. Which units each phase fetches is the
 * {@link ReadAheadPolicy}'s to say.
 */
final class LayerBackground implements DemandPlanner.ReaderTrail {
  private final LayerIndex index;
  private final LayerUnits units;
  private final ReadAheadPolicy policy;
  private final FetchContext ctx;
  private final FetchJobRunner runner;
  private final AtomicBoolean started = new AtomicBoolean();
  private final EnumMap<FetchReason, Cursor> phases = new EnumMap<>(FetchReason.class);
  /** Neighbours of missed files, set when the background starts (null: none). Guarded by this. */
  private DirectoryNeighbours neighbours;
  /** Files whose misses queue no neighbours: a predictor follows what their reader reads. */
  private volatile Predicate<String> followedElsewhere = name -> false;
  /** Units near the container's recent misses, for the NEAR_READER phase. Guarded by this. */
  private final ArrayDeque<Integer> nearQueue = new ArrayDeque<>();
  private final BitSet nearQueued = new BitSet();
  private volatile boolean closed;

  LayerBackground(LayerIndex index, LayerUnits units, ReadAheadPolicy policy,
      FetchContext ctx, FetchJobRunner runner) {
    this.index = index;
    this.units = units;
    this.policy = policy;
    this.ctx = ctx;
    this.runner = runner;
  }

  /** Where one background phase of this layer has got to. */
  private static final class Cursor {
    final int[] order;
    /** Continues from the reader's last miss instead of where it stopped. */
    final boolean followReader;
    int next;
    int idle;
    boolean exhausted;
    /** The unit after the last on-demand miss, not yet acted upon; -1 if none. */
    int readerAt = -1;
    /**
     * The phase's units, when its order is not blob order (the prioritized phase with an access
     * profile): a request for the next unit in that order also takes the phase's units around
     * it in the blob, so the order costs few extra requests; null otherwise.
     */
    final BitSet members;

    Cursor(int[] order, boolean followReader) {
      this.order = order;
      this.followReader = followReader;
      this.exhausted = order.length == 0;
      this.members = isAscending(order) ? null : new BitSet();
      if (members != null) {
        for (int u : order) {
          members.set(u);
        }
      }
    }

    private static boolean isAscending(int[] order) {
      for (int i = 1; i < order.length; i++) {
        if (order[i] <= order[i - 1]) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Sets up the phases the policy turns on and hands the layer to the scheduler (once).
   *
   * @param profiled files of the layer's access profile, fetched with the prioritized files
   */
  void start(List<String> profiled) {
    if (!policy.anyBackground() || !started.compareAndSet(false, true)) {
      return;
    }
    // a layer opens when a container is about to start: its reads come first
    ctx.gate().noteActivity();
    for (FetchReason phase : FetchReason.BACKGROUND_PHASES) {
      if (!policy.fetches(phase)) {
        continue;
      }
      if (phase == FetchReason.NEAR_READER) {
        DirectoryNeighbours n = policy.neighbours(units, index);
        synchronized (this) {
          neighbours = n;
        }
      } else {
        // the bulk phases start where the reader last missed: its next misses are likely there
        phases.put(phase, new Cursor(policy.unitsOf(phase, units, index, profiled),
            phase.isBulk()));
      }
    }
    ctx.scheduler().register(this);
  }

  /** True once every phase has issued everything it had (or the layer is closed). */
  synchronized boolean done() {
    return closed || (nearQueue.isEmpty() && phases.values().stream().allMatch(c -> c.exhausted));
  }

  /** Runs a planned request (on a scheduler thread). */
  void run(FetchJob job) {
    runner.run(job);
  }

  @Override
  public synchronized void readerMoved(int unit) {
    for (Cursor c : phases.values()) {
      if (c.followReader) {
        c.readerAt = unit;
      }
    }
  }

  /** Misses on files {@code files} accepts queue no neighbours (a predictor follows them). */
  void followedElsewhere(Predicate<String> files) {
    followedElsewhere = files;
  }

  /** Queues the small files next to a reader's misses for the NEAR_READER phase. */
  @Override
  public void missesAnswered(List<Chunk> missed) {
    boolean added = false;
    Predicate<String> followed = followedElsewhere;
    synchronized (this) {
      if (neighbours == null || closed) {
        return;
      }
      for (Chunk c : missed) {
        if (followed.test(c.fileName())) {
          continue;
        }
        for (int u : policy.neighboursOf(c, units.unitOf(c), neighbours, units)) {
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

  /**
   * The next background request of {@code phase}, its chunks claimed; empty if the phase has
   * nothing left. Follow-the-reader phases start from where the last on-demand miss ended and
   * wrap around until a whole pass finds nothing left to fetch.
   */
  synchronized Optional<FetchJob> plan(FetchReason phase) {
    if (phase == FetchReason.NEAR_READER) {
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
      FetchJob job = new FetchJob(run, phase);
      int i = cur.next;
      for (; i < n; i++) {
        Unit u = units.get(cur.order[i]);
        if (!run.isEmpty() && !policy.continuesRun(run, u)) {
          break;
        }
        if (!claim(job, u)) {
          if (!run.isEmpty()) {
            break;
          }
          cur.idle++;
          continue;
        }
        run.add(u);
        if (cur.members != null) {
          extendInBlobOrder(cur.members, job, run);
          i++;
          break;
        }
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

  /**
   * Widens the one-unit {@code run} with the phase's unclaimed units around it in the blob
   * (before it, then after it), while the request stays within the merge gap and one background
   * request.
   */
  private void extendInBlobOrder(BitSet members, FetchJob job, List<Unit> run) {
    for (int k = members.previousSetBit(run.get(0).index() - 1); k >= 0;
        k = members.previousSetBit(k - 1)) {
      Unit v = units.get(k);
      if (!policy.precedesRun(run, v) || !claim(job, v)) {
        break;
      }
      run.add(0, v);
    }
    for (int k = members.nextSetBit(run.get(run.size() - 1).index() + 1); k >= 0;
        k = members.nextSetBit(k + 1)) {
      Unit v = units.get(k);
      if (!policy.continuesRun(run, v) || !claim(job, v)) {
        return;
      }
      run.add(v);
    }
  }

  /** The next request of neighbours of recent misses, in the order they were queued. */
  private Optional<FetchJob> planNearby() {
    List<Unit> run = new ArrayList<>();
    FetchJob job = new FetchJob(run, FetchReason.NEAR_READER);
    while (!nearQueue.isEmpty()) {
      Unit u = units.get(nearQueue.peekFirst());
      if (!run.isEmpty() && !policy.continuesRun(run, u)) {
        break;
      }
      nearQueue.pollFirst();
      if (claim(job, u)) {
        run.add(u);
      }
    }
    return run.isEmpty() ? Optional.empty() : Optional.of(job);
  }

  /** Claims for {@code job} the chunks of {@code u} nobody has or fetches; any? */
  private boolean claim(FetchJob job, Unit u) {
    return job.claimUnit(u, ctx.inFlight(), ctx.cache()).claimedAny();
  }

  /** No more requests are planned; the scheduler drops the layer. */
  void close() {
    closed = true;
  }
}
