package org.stargzstore.fs.fetch;

import java.util.Arrays;
import java.util.List;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerIndex;

/**
 * A layer's compressed units in blob order, and which unit holds a chunk: what the demand planner,
 * the read-ahead policy and the background phases all index by. Immutable.
 */
final class LayerUnits {
  private final String name;
  private final List<Unit> units;
  private final long[] offsets;

  /** @param name what errors call this layer */
  LayerUnits(String name, LayerIndex index) {
    this.name = name;
    this.units = Unit.of(index.chunksInBlobOrder());
    this.offsets = units.stream().mapToLong(Unit::offset).toArray();
  }

  List<Unit> all() {
    return units;
  }

  Unit get(int i) {
    return units.get(i);
  }

  int size() {
    return units.size();
  }

  /** The index of the unit {@code c} is in. */
  int unitOf(Chunk c) {
    int i = Arrays.binarySearch(offsets, c.compressedOffset());
    if (i < 0) {
      throw new IllegalStateException(name + ": chunk of " + c.fileName() + " at compressed offset "
          + c.compressedOffset() + " is in no unit");
    }
    return i;
  }
}
