package org.stargzstore.fs.als;

import java.util.List;
import java.util.TreeSet;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;

/**
 * The user and group ids a layer's files use, for the {@code info} file's {@code uidset} and
 * {@code gidset}: containers/storage records them for a layer it extracts and sizes
 * {@code --userns=auto} by them, so a lazily served layer should state the same. The stargz-made
 * formats' own tar entries ({@code stargz.index.json}, landmarks) are entries of the index too,
 * with the owners their tar headers give.
 */
record LayerIdSets(List<Integer> uids, List<Integer> gids) {
  LayerIdSets {
    uids = List.copyOf(uids);
    gids = List.copyOf(gids);
  }

  static LayerIdSets of(LayerIndex index) {
    TreeSet<Integer> uids = new TreeSet<>();
    TreeSet<Integer> gids = new TreeSet<>();
    for (LayerEntry e : index.entries()) {
      if (e.name().isEmpty()) {
        continue; // the root: made up by the index unless the tar has one
      }
      uids.add(e.uid());
      gids.add(e.gid());
    }
    return new LayerIdSets(List.copyOf(uids), List.copyOf(gids));
  }
}
