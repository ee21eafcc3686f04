package org.stargzstore.fs.fetch;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * When the steps of a cold start happened, in wall-clock milliseconds since the epoch, for one
 * image or one layer: the milestones (lookup, manifest, TOC requested and loaded, access profile,
 * first and last read), the first request and the last completed request of each
 * {@link FetchReason}, and the {@value #MAX_WAITS} longest waits of reads for the network. It
 * answers "where did the time go" for {@code status --json} and the cold-start bench without a
 * debug log. Memory is fixed (a few arrays and at most {@value #MAX_WAITS} waits); recording
 * takes atomics only, never a lock.
 */
public final class StartTimeline {
  /** How many of the longest waits are kept. */
  public static final int MAX_WAITS = 16;

  /** A step of a cold start. Image steps are kept on the image's timeline, the rest per layer. */
  public enum Milestone {
    /** A lookup (podman's) first named the image. */
    LOOKUP("lookup"),
    /** The image's manifest was in (its layers' TOC reads start here). */
    MANIFEST("manifest"),
    /** The image was resolved (manifest and config). */
    RESOLVED("resolved"),
    /** The layer's TOC was asked for (from the store or the registry). */
    TOC_REQUESTED("tocRequested"),
    /** The layer's TOC was in and verified. */
    TOC_LOADED("tocLoaded"),
    /** The layer was served: tree built, fetcher ready. */
    SERVED("served"),
    /** The layer's access profile arrived with files for it (none if it had no profile). */
    PROFILE_ARRIVED("profileArrived"),
    /** The layer's background phases were started. */
    BACKGROUND_STARTED("backgroundStarted"),
    /** The first read of a file of the layer through the mount. */
    FIRST_READ("firstRead"),
    /** The latest read of a file of the layer through the mount. */
    LAST_READ("lastRead");

    private final String label;

    Milestone(String label) {
      this.label = label;
    }

    /** The name used in {@code status --json}. */
    public String label() {
      return label;
    }
  }

  /**
   * One read that waited for the network: which file, when it began (epoch ms), how long it
   * waited, the compressed bytes of the units it waited for, and what it waited for:
   * {@code own-request} (its own demand request) or {@code in-flight:REASON} (chunks another
   * request already brought, asked for with that reason; {@code in-flight} alone when that
   * request was not formed yet).
   */
  public record Wait(String path, long startMillis, long millis, long bytes, String waitedFor) {}

  /** When the requests of one reason ran: first sent, last completed (epoch ms), how many. */
  public record Phase(long firstStartMillis, long lastEndMillis, long requests) {}

  private final LongSupplier clock;
  private final AtomicLongArray milestones = new AtomicLongArray(Milestone.values().length);
  private final AtomicLongArray phaseStart = new AtomicLongArray(FetchReason.values().length);
  private final AtomicLongArray phaseEnd = new AtomicLongArray(FetchReason.values().length);
  private final AtomicLongArray phaseRequests = new AtomicLongArray(FetchReason.values().length);
  /** The longest waits, longest first, at most {@link #MAX_WAITS}; replaced whole. */
  private final AtomicReference<Wait[]> longest = new AtomicReference<>(new Wait[0]);

  public StartTimeline() {
    this(System::currentTimeMillis);
  }

  /** @param clock epoch milliseconds (tests pass their own) */
  public StartTimeline(LongSupplier clock) {
    this.clock = clock;
  }

  /** The clock this timeline reads. */
  public long now() {
    return clock.getAsLong();
  }

  /** Marks {@code m} now, unless it was marked before (the first time counts). */
  public void mark(Milestone m) {
    markAt(m, clock.getAsLong());
  }

  /** Marks {@code m} at {@code epochMillis}, unless it was marked before. */
  public void markAt(Milestone m, long epochMillis) {
    if (milestones.get(m.ordinal()) == 0) {
      milestones.compareAndSet(m.ordinal(), 0, Math.max(1, epochMillis));
    }
  }

  /** A read of a file through the mount: sets the first read once and the last read always. */
  public void fileRead() {
    long t = clock.getAsLong();
    markAt(Milestone.FIRST_READ, t);
    // every read through the mount passes here: write the shared slot once per millisecond
    if (milestones.get(Milestone.LAST_READ.ordinal()) != t) {
      milestones.set(Milestone.LAST_READ.ordinal(), t);
    }
  }

  /** A request for {@code reason} was sent. */
  void requestStarted(FetchReason reason) {
    int i = reason.ordinal();
    phaseRequests.incrementAndGet(i);
    if (phaseStart.get(i) == 0) {
      phaseStart.compareAndSet(i, 0, clock.getAsLong());
    }
  }

  /** A request for {@code reason} ended (delivered or failed). */
  void requestEnded(FetchReason reason) {
    long t = clock.getAsLong();
    phaseEnd.accumulateAndGet(reason.ordinal(), t, Math::max);
  }

  /**
   * A read waited for the network; kept if it is among the {@value #MAX_WAITS} longest so far.
   * Waits shorter than all kept ones cost one volatile read.
   */
  void waited(Wait w) {
    while (true) {
      Wait[] cur = longest.get();
      if (cur.length == MAX_WAITS && cur[MAX_WAITS - 1].millis() >= w.millis()) {
        return;
      }
      Wait[] next = Arrays.copyOf(cur, Math.min(MAX_WAITS, cur.length + 1));
      int at = cur.length;
      while (at > 0 && cur[at - 1].millis() < w.millis()) {
        at--;
      }
      System.arraycopy(cur, at, next, at + 1, next.length - at - 1);
      next[at] = w;
      if (longest.compareAndSet(cur, next)) {
        return;
      }
    }
  }

  /** When {@code m} happened (epoch ms), or 0 if it has not. */
  public long at(Milestone m) {
    return milestones.get(m.ordinal());
  }

  /** The milestones reached so far, in enum order (epoch ms). */
  public Map<Milestone, Long> milestones() {
    Map<Milestone, Long> out = new EnumMap<>(Milestone.class);
    for (Milestone m : Milestone.values()) {
      long t = milestones.get(m.ordinal());
      if (t != 0) {
        out.put(m, t);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** The reasons that sent any request, with when they ran. */
  public Map<FetchReason, Phase> phases() {
    Map<FetchReason, Phase> out = new EnumMap<>(FetchReason.class);
    for (FetchReason r : FetchReason.values()) {
      int i = r.ordinal();
      long start = phaseStart.get(i);
      if (start != 0) {
        out.put(r, new Phase(start, phaseEnd.get(i), phaseRequests.get(i)));
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** The longest waits so far, longest first (at most {@value #MAX_WAITS}). */
  public List<Wait> longestWaits() {
    return List.of(longest.get());
  }
}
