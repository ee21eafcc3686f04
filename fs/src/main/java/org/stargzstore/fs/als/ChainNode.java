package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.fs.fuse.FsError;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.Stat;
import org.stargzstore.fs.tree.Inode;
import org.stargzstore.fs.tree.LayerTree;

/**
 * A directory of the {@code chain} debug view: the image's layers from the bottom one up to this
 * one merged as overlayfs would merge them (an upper whiteout hides a lower name, an opaque
 * directory hides everything below it, a non-directory hides a lower directory). Files are
 * served by the layer that owns them.
 */
final class ChainNode implements FsNode {
  /** One layer's directory at this path, top-most first. */
  private record Level(Inode dir, FileContent content, AccessLog accesses) {}

  private final List<Level> levels;

  private ChainNode(List<Level> levels) {
    this.levels = levels;
  }

  /** The chain root of {@code top}: all layers of {@code image} up to and including it. */
  static ChainNode of(LayerStore store, MountedImage image, MountedLayer top) throws FsError {
    List<Level> levels = new ArrayList<>();
    int topIndex = image.layerIndex(top.digest().toString()).orElseThrow(
        () -> FsError.noEntry("layer not in image"));
    for (int i = topIndex; i >= 0; i--) {
      MountedLayer l;
      try {
        l = i == topIndex ? top : store.layer(image, i);
      } catch (NotLazyException e) {
        throw new FsError(FsError.ENOENT, "the chain needs layer " + i + ", which is not served "
            + "lazily: " + e.getMessage());
      } catch (IOException e) {
        throw new FsError(FsError.EIO, e.getMessage(), e);
      }
      Inode root = l.tree().root();
      levels.add(new Level(root, l.content(), l.accesses()));
      if (isOpaque(root)) {
        break;
      }
    }
    return new ChainNode(levels);
  }

  private static boolean isOpaque(Inode dir) {
    return dir.xattr(LayerTree.OPAQUE_XATTRS.get(0)) != null;
  }

  private static boolean isWhiteout(Inode n) {
    return (n.mode() & 0170000) == Inode.S_IFCHR && n.rdevMajor() == 0 && n.rdevMinor() == 0
        && LayerTreeNames.isWhiteoutEntry(n);
  }

  @Override
  public Stat stat() {
    return TreeNode.statOf(levels.get(0).dir());
  }

  @Override
  public FsNode lookup(String name) throws FsError {
    List<Level> below = new ArrayList<>();
    for (Level lv : levels) {
      Inode child = lv.dir().child(name);
      if (child == null) {
        continue;
      }
      if (isWhiteout(child)) {
        break;
      }
      if (!child.isDirectory()) {
        if (below.isEmpty()) {
          return new TreeNode(child, lv.content(), lv.accesses());
        }
        break;
      }
      below.add(new Level(child, lv.content(), lv.accesses()));
      if (isOpaque(child)) {
        break;
      }
    }
    if (below.isEmpty()) {
      throw FsError.noEntry(name);
    }
    return new ChainNode(below);
  }

  @Override
  public List<DirEntry> list() throws FsError {
    Map<String, DirEntry> seen = new LinkedHashMap<>();
    Map<String, Boolean> hidden = new LinkedHashMap<>();
    for (Level lv : levels) {
      for (Map.Entry<String, Inode> e : lv.dir().children().entrySet()) {
        String n = e.getKey();
        if (seen.containsKey(n) || hidden.containsKey(n)) {
          continue;
        }
        if (isWhiteout(e.getValue())) {
          hidden.put(n, true);
        } else {
          seen.put(n, new DirEntry(n, e.getValue().ino(), e.getValue().mode()));
        }
      }
    }
    return new ArrayList<>(seen.values());
  }

  @Override
  public byte[] xattr(String name) {
    return levels.get(0).dir().xattr(name);
  }

  @Override
  public List<String> xattrNames() {
    return List.copyOf(levels.get(0).dir().xattrNames());
  }
}
