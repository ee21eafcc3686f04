package org.stargzstore.fs.fetch;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;

/**
 * Every decision about which units go into one request and which bytes are fetched before
 * anyone reads them, with the {@link FetchPolicy} they read: how wanted units are merged into
 * requests ({@code merge_gap}, request size), what rides after a miss in its request
 * ({@code read_ahead}), which small files near a miss the background fetches first
 * ({@code nearby_files}), and which units each background phase fetches ({@code prefetch},
 * {@code background}, {@code small_files}). Claims and scheduling are not here: the
 * {@link DemandPlanner} and {@link LayerBackground} ask, and act.
 */
final class ReadAheadPolicy {
  private final FetchPolicy policy;

  ReadAheadPolicy(FetchPolicy policy) {
    this.policy = policy;
  }

  // ---- shaping requests

  /**
   * True if wanted unit {@code u} (after {@code run} in blob order) must go in a new demand
   * request: it is further than the merge gap from the run, or would make the request larger
   * than one background request.
   */
  boolean startsNewDemandRequest(List<Unit> run, Unit u) {
    Unit last = run.get(run.size() - 1);
    return u.offset() - last.end() > policy.mergeGapBytes()
        || u.end() - run.get(0).offset() > policy.backgroundRequestBytes();
  }

  /**
   * True if {@code u} can be appended to the background request {@code run}: it follows the
   * run's last unit within the merge gap and keeps the request within one background request.
   */
  boolean continuesRun(List<Unit> run, Unit u) {
    Unit last = run.get(run.size() - 1);
    return u.offset() >= last.end() && u.offset() - last.end() <= policy.mergeGapBytes()
        && u.end() - run.get(0).offset() <= policy.backgroundRequestBytes();
  }

  /**
   * True if {@code u} can be put before the background request {@code run}: it ends before the
   * run's first unit within the merge gap and keeps the request within one background request.
   */
  boolean precedesRun(List<Unit> run, Unit u) {
    Unit first = run.get(0);
    return u.end() <= first.offset() && first.offset() - u.end() <= policy.mergeGapBytes()
        && run.get(run.size() - 1).end() - u.offset() <= policy.backgroundRequestBytes();
  }

  // ---- read-ahead after a miss

  /** Compressed bytes that may ride after the missed units of one demand request. */
  long readAheadBytes() {
    return policy.readAheadBytes();
  }

  /**
   * True if {@code u}, the unit after {@code last} in blob order, may ride as read-ahead in a
   * demand request for {@code missedFile} with {@code budgetLeft} bytes of read-ahead left: it
   * is within the merge gap and the budget, and it is probably read next.
   */
  boolean readsAhead(String missedFile, Unit last, Unit u, long budgetLeft) {
    return u.offset() - last.end() <= policy.mergeGapBytes()
        && u.end() - last.end() <= budgetLeft
        && readsNext(missedFile, u);
  }

  /**
   * True if a reader of {@code file} probably reads {@code u} next: the rest of the same file, or
   * other files of its directory. Past the directory, blob order says nothing about what is read
   * next: bytes read ahead across directories were measured to go mostly unread. Nor does it next
   * to a library in the loader's directories: those are loaded by name (and their own libraries
   * prefetched when they arrive), so only the rest of the library itself is read ahead; its
   * neighbours are other programs' libraries. An interpreter's native modules (outside the
   * loader's directories) keep the directory read-ahead: they are imported close to their blob
   * order, and without it more reads waited.
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

  // ---- the background

  /** True if the policy turns the background phase {@code phase} on. */
  boolean fetches(FetchReason phase) {
    return switch (phase) {
      case PRIORITIZED -> policy.prefetch();
      case NEAR_READER -> policy.background() && policy.nearbyBytes() > 0;
      case SMALL_FILES -> policy.background() && policy.smallFileBytes() > 0;
      case EVERYTHING -> policy.background();
      default -> throw new IllegalArgumentException(phase + " is not a background phase");
    };
  }

  /** True if the layer's background has anything to do at all. */
  boolean anyBackground() {
    return policy.prefetch() || policy.background();
  }

  /**
   * The units {@code phase} fetches, in the order it fetches them: the prioritized files' units
   * (those before the landmark in blob order, then the {@code profiled} files of an access
   * profile that the layer has, in the profile's order), or in blob order the units whose every
   * chunk belongs to a file of at most {@code smallFileBytes}, or all. Not for
   * {@code NEAR_READER}, whose units come from the misses ({@link #neighboursOf}).
   */
  int[] unitsOf(FetchReason phase, LayerUnits units, LayerIndex index,
      Collection<String> profiled) {
    return switch (phase) {
      case PRIORITIZED -> prioritizedUnits(units, index, profiled);
      case SMALL_FILES -> smallFileUnits(units, index);
      case EVERYTHING -> allUnits(units);
      default -> throw new IllegalArgumentException(phase + " has no fixed order of units");
    };
  }

  /** The near-reader phase's view of the layer: its small files grouped by directory. */
  DirectoryNeighbours neighbours(LayerUnits units, LayerIndex index) {
    return DirectoryNeighbours.of(units.all(), index);
  }

  /**
   * The units the near-reader phase fetches after a miss on {@code missed}: the small files of
   * its directory, after it in blob order, up to {@code nearbyBytes}. None after a miss on a
   * shared object: it is loaded by name, and its directory neighbours are other programs'.
   */
  List<Integer> neighboursOf(Chunk missed, int missedUnit, DirectoryNeighbours neighbours,
      LayerUnits units) {
    if (SharedObjects.isSharedObject(missed.fileName())) {
      return List.of();
    }
    String dir = DirectoryNeighbours.directoryOf(missed.fileName());
    return neighbours.around(dir, missedUnit, units.all(), policy.nearbyBytes());
  }

  /**
   * The landmark's files in blob order (a converter put them there in the order the start-up
   * reads them), then a profile's other files in the order the recorded start-up first opened
   * them: on a plain image blob order would put, say, the libraries a module loads after every
   * module of the interpreter, and the start-up would wait for them.
   */
  private static int[] prioritizedUnits(LayerUnits units, LayerIndex index,
      Collection<String> profiled) {
    TreeSet<Integer> landmark = new TreeSet<>();
    for (LayerEntry e : index.prioritizedEntries()) {
      addUnits(landmark, e, units);
    }
    LinkedHashSet<Integer> order = new LinkedHashSet<>(landmark);
    for (String name : profiled) {
      // a hint: a name the TOC does not have (another layer's, a stale profile) is skipped
      index.entry(name).filter(LayerEntry::isRegular).ifPresent(e -> addUnits(order, e, units));
    }
    return order.stream().mapToInt(Integer::intValue).toArray();
  }

  private static void addUnits(Set<Integer> set, LayerEntry e, LayerUnits units) {
    for (Chunk c : e.chunks()) {
      if (!c.zeros() && c.size() > 0) {
        set.add(units.unitOf(c));
      }
    }
  }

  private static int[] allUnits(LayerUnits units) {
    int[] all = new int[units.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return all;
  }

  private int[] smallFileUnits(LayerUnits units, LayerIndex index) {
    Map<String, Long> sizes = new HashMap<>();
    for (LayerEntry e : index.entries()) {
      if (e.isRegular()) {
        sizes.put(e.name(), e.size());
      }
    }
    return units.all().stream().filter(u -> u.chunks().stream().allMatch(
            c -> sizes.getOrDefault(c.fileName(), Long.MAX_VALUE) <= policy.smallFileBytes()))
        .mapToInt(Unit::index).toArray();
  }
}
