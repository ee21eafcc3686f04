package org.stargzstore.fs.als;

import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.tree.Inode;
import org.stargzstore.fs.tree.LayerTree;

/** Tells a whiteout made from a {@code .wh.} entry from a real 0/0 character device. */
final class LayerTreeNames {
  private LayerTreeNames() {}

  static boolean isWhiteoutEntry(Inode n) {
    return LayerIndex.baseName(n.entry().name()).startsWith(LayerTree.WHITEOUT_PREFIX);
  }
}
