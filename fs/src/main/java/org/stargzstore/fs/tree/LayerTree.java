package org.stargzstore.fs.tree;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.toc.EntryType;

/**
 * A layer's directory tree in the form overlayfs expects of a lower directory: {@code .wh.NAME}
 * files become 0/0 character devices named {@code NAME}, {@code .wh..wh..opq} marks its directory
 * opaque with the overlay xattr, and hardlinks share one {@link Inode}. Built once per layer from
 * its {@link LayerIndex}, then immutable.
 */
public final class LayerTree {
  private static final Logger LOG = Logger.getLogger(LayerTree.class.getName());

  /** Prefix of a whiteout entry in a layer tar. */
  public static final String WHITEOUT_PREFIX = ".wh.";
  /** Name of the entry that marks its directory opaque in a layer tar. */
  public static final String OPAQUE_MARKER = ".wh..wh..opq";
  /** The overlay xattrs that mark a directory opaque (rootful and rootless overlay). */
  public static final List<String> OPAQUE_XATTRS =
      List.of("trusted.overlay.opaque", "user.overlay.opaque");

  private final Inode root;

  private LayerTree(Inode root) {
    this.root = root;
  }

  /** Builds the tree of {@code index}, numbering inodes from {@code numbers}. */
  public static LayerTree build(LayerIndex index, InodeNumbers numbers, String layerName) {
    Map<String, Inode> byName = new HashMap<>();
    List<Inode> all = new ArrayList<>();
    LayerEntry rootEntry = index.root();
    Inode root = new Inode(numbers.next(), EntryType.DIR, rootEntry, (int) rootEntry.mode(), 0, 0);
    byName.put("", root);
    all.add(root);
    List<LayerEntry> whiteouts = new ArrayList<>();
    for (LayerEntry e : index.entries()) {
      if (e.name().isEmpty()) {
        continue;
      }
      String base = LayerIndex.baseName(e.name());
      Inode parent = byName.get(LayerIndex.parentOf(e.name()));
      if (parent == null || !parent.isDirectory()) {
        LOG.warning(() -> layerName + ": skipping '" + e.name() + "': its parent is not a directory");
        continue;
      }
      if (base.startsWith(WHITEOUT_PREFIX)) {
        whiteouts.add(e);
        continue;
      }
      Inode node;
      if (e.type() == EntryType.HARDLINK) {
        node = byName.get(e.linkName());
        if (node == null || node.isDirectory()) {
          LOG.warning(() -> layerName + ": skipping hardlink '" + e.name() + "': its target '"
              + e.linkName() + "' is not a file of this layer");
          continue;
        }
        node.addLink();
      } else {
        node = new Inode(numbers.next(), e.type(), e, (int) e.mode(), e.devMajor(), e.devMinor());
        all.add(node);
      }
      Inode previous = parent.child(base);
      if (previous != null) {
        parent.removeChild(base);
      }
      parent.addChild(base, node);
      byName.put(e.name(), node);
    }
    // Whiteouts last, so that a real entry of the same name (invalid, but seen) wins.
    for (LayerEntry e : whiteouts) {
      Inode parent = byName.get(LayerIndex.parentOf(e.name()));
      String base = LayerIndex.baseName(e.name());
      if (base.equals(OPAQUE_MARKER)) {
        for (String x : OPAQUE_XATTRS) {
          parent.putXattr(x, new byte[] {'y'});
        }
        continue;
      }
      String hidden = base.substring(WHITEOUT_PREFIX.length());
      if (hidden.isEmpty() || parent.child(hidden) != null) {
        continue;
      }
      Inode whiteout = new Inode(numbers.next(), EntryType.CHAR, e, 0, 0, 0);
      parent.addChild(hidden, whiteout);
      all.add(whiteout);
    }
    for (Inode n : all) {
      n.freeze();
    }
    return new LayerTree(root);
  }

  public Inode root() {
    return root;
  }

  /**
   * The inode at a relative path ({@code "a/b"}; {@code ""} is the root), or {@code null}. Only
   * walks real directories: symlinks are not followed (the kernel does that).
   */
  public Inode lookup(String relativePath) {
    if (relativePath.isEmpty()) {
      return root;
    }
    Inode cur = root;
    int start = 0;
    while (cur != null) {
      int slash = relativePath.indexOf('/', start);
      String part = slash < 0 ? relativePath.substring(start) : relativePath.substring(start, slash);
      cur = part.isEmpty() ? cur : cur.child(part);
      if (slash < 0) {
        return cur;
      }
      start = slash + 1;
    }
    return null;
  }
}
