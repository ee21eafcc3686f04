package org.stargzstore.fs.fetch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;

/**
 * The units of a layer's smaller files grouped by directory, in blob order. A container that
 * misses on one file of a directory usually reads its neighbours next (an interpreter importing
 * modules from one {@code __pycache__}, a loader walking a plugin directory), one round trip
 * each, so after a miss the background fetches the directory's other files first.
 *
 * <p>Shared objects are left out on both sides. A process loads a library by name (the
 * {@code DT_NEEDED} list of what it already loaded, or a {@code dlopen} the program chose), so a
 * library's directory neighbours are other programs' libraries: fetching them puts megabytes of
 * unrelated libraries onto the link ahead of the reads that are waiting.
 */
final class DirectoryNeighbours {
  /**
   * Files larger than this are not worth fetching speculatively as a neighbour. A neighbour
   * fetched for nothing delays the next miss by its transfer time, one that is read saves a round
   * trip: with a hit rate h, that pays only for files up to about h times what the link carries
   * in a round trip (with one neighbour in five read, ~60 KB compressed at 50 Mbit/s and 50 ms).
   * 128 KiB uncompressed is about that, compressed.
   */
  static final long MAX_FILE_BYTES = 128 << 10;

  private final Map<String, int[]> unitsByDir;

  private DirectoryNeighbours(Map<String, int[]> unitsByDir) {
    this.unitsByDir = unitsByDir;
  }

  static DirectoryNeighbours of(List<Unit> units, LayerIndex index) {
    Map<String, Long> sizes = new HashMap<>();
    for (LayerEntry e : index.entries()) {
      if (e.isRegular()) {
        sizes.put(e.name(), e.size());
      }
    }
    Map<String, List<Integer>> byDir = new HashMap<>();
    for (Unit u : units) {
      String dir = null;
      boolean eligible = true;
      for (Chunk c : u.chunks()) {
        eligible &= sizes.getOrDefault(c.fileName(), Long.MAX_VALUE) <= MAX_FILE_BYTES
            && !SharedObjects.isSharedObject(c.fileName());
        dir = dir == null ? directoryOf(c.fileName()) : dir;
      }
      if (eligible && dir != null) {
        byDir.computeIfAbsent(dir, d -> new ArrayList<>()).add(u.index());
      }
    }
    Map<String, int[]> out = new HashMap<>();
    byDir.forEach((d, l) -> out.put(d, l.stream().mapToInt(Integer::intValue).toArray()));
    return new DirectoryNeighbours(out);
  }

  /** The directory part of a normalised file name ("" for the root). */
  static String directoryOf(String fileName) {
    int slash = fileName.lastIndexOf('/');
    return slash < 0 ? "" : fileName.substring(0, slash);
  }

  /**
   * The neighbour units of {@code dir}, starting after unit {@code missed} in blob order and
   * wrapping around, until {@code budget} compressed bytes; empty if the directory has none.
   */
  List<Integer> around(String dir, int missed, List<Unit> units, long budget) {
    int[] all = unitsByDir.get(dir);
    List<Integer> out = new ArrayList<>();
    if (all == null) {
      return out;
    }
    int start = 0;
    while (start < all.length && all[start] <= missed) {
      start++;
    }
    long left = budget;
    for (int k = 0; k < all.length && left > 0; k++) {
      int u = all[(start + k) % all.length];
      if (u == missed) {
        continue;
      }
      out.add(u);
      left -= units.get(u).length();
    }
    return out;
  }
}
