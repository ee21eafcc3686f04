package org.stargzstore.fs.prefetch.python;

import java.util.ArrayList;
import java.util.List;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.Landmark;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.toc.EntryType;

/** Layer indexes written compactly, for the Python prediction tests. */
final class ImageTrees {
  private ImageTrees() {}

  /** {@code =name} a file, {@code @name>target} a symlink, else a directory. */
  static LayerIndex index(String... specs) {
    List<LayerEntry> all = new ArrayList<>();
    all.add(LayerEntry.builder("", EntryType.DIR).mode(0755).build());
    for (String s : specs) {
      if (s.startsWith("=")) {
        all.add(LayerEntry.builder(s.substring(1), EntryType.REG).mode(0644).size(100).build());
      } else if (s.startsWith("@")) {
        String[] p = s.substring(1).split(">");
        all.add(LayerEntry.builder(p[0], EntryType.SYMLINK).linkName(p[1]).build());
      } else {
        all.add(LayerEntry.builder(s, EntryType.DIR).mode(0755).build());
      }
    }
    return new LayerIndex(FormatKind.ESTARGZ, all, Landmark.NONE, List.of(), 0);
  }
}
