package org.stargzstore.fs.fetch;

import java.util.ArrayList;
import java.util.List;
import org.stargzstore.estargz.layer.Chunk;

/**
 * A compressed unit of a blob: the bytes {@code [offset, end)} that decompress to one or more
 * chunks (several when small files share a unit). The smallest thing that can be fetched.
 */
record Unit(int index, long offset, long end, List<Chunk> chunks) {

  long length() {
    return end - offset;
  }

  /** Groups the layer's data chunks (sorted by compressed offset) into units. */
  static List<Unit> of(List<Chunk> chunksInBlobOrder) {
    List<Unit> units = new ArrayList<>();
    List<Chunk> cur = new ArrayList<>();
    long off = -1;
    long end = -1;
    for (Chunk c : chunksInBlobOrder) {
      if (c.zeros() || c.size() == 0) {
        continue;
      }
      if (c.compressedOffset() != off) {
        if (!cur.isEmpty()) {
          units.add(new Unit(units.size(), off, end, List.copyOf(cur)));
          cur.clear();
        }
        off = c.compressedOffset();
        end = c.compressedEnd();
      }
      end = Math.max(end, c.compressedEnd());
      cur.add(c);
    }
    if (!cur.isEmpty()) {
      units.add(new Unit(units.size(), off, end, List.copyOf(cur)));
    }
    return units;
  }
}
