package org.stargzstore.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.stargzstore.fs.fuse.FsError;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.Stat;

/**
 * An open directory: its entries, listed once at the first READDIR from offset 0 (a 10k-entry
 * directory is read in hundreds of requests; listing it per request would be quadratic), encoded
 * as {@code fuse_dirent} or, for READDIRPLUS, {@code fuse_direntplus} with each child's entry so
 * the kernel needs no LOOKUP per name. Offsets are entry indexes: {@code .}, {@code ..}, then
 * the children.
 */
final class DirectoryReader {
  private static final int DIRENT_HEADER = 24;

  private final long nodeId;
  private final FsNode dir;
  private volatile List<FsNode.DirEntry> entries;

  DirectoryReader(long nodeId, FsNode dir) {
    this.nodeId = nodeId;
    this.dir = dir;
  }

  private List<FsNode.DirEntry> entries(long offset) throws FsError {
    List<FsNode.DirEntry> e = entries;
    if (e == null || offset == 0) {
      Stat self = dir.stat();
      List<FsNode.DirEntry> all = new ArrayList<>();
      all.add(new FsNode.DirEntry(".", self.ino(), self.mode()));
      all.add(new FsNode.DirEntry("..", 0, 0040000));
      all.addAll(dir.list());
      e = List.copyOf(all);
      entries = e;
    }
    return e;
  }

  /** Fills {@code out} with plain entries from {@code offset}, at most {@code size} bytes. */
  void read(long offset, int size, ByteBuffer out) throws FsError {
    List<FsNode.DirEntry> all = entries(offset);
    int limit = out.position() + size;
    for (int i = (int) offset; i < all.size(); i++) {
      FsNode.DirEntry e = all.get(i);
      byte[] name = Reply.utf8(e.name());
      int len = align(DIRENT_HEADER + name.length);
      if (out.position() + len > limit) {
        break;
      }
      dirent(out, e.ino(), i + 1, Attributes.direntType(e.mode()), name, len);
    }
  }

  /**
   * Fills {@code out} with entries and their attributes from {@code offset}; each child handed
   * out counts as a lookup in {@code nodes} (the kernel forgets it like a looked-up one).
   */
  void readPlus(long offset, int size, ByteBuffer out, NodeTable nodes, Attributes attrs)
      throws FsError {
    List<FsNode.DirEntry> all = entries(offset);
    int limit = out.position() + size;
    for (int i = (int) offset; i < all.size(); i++) {
      FsNode.DirEntry e = all.get(i);
      byte[] name = Reply.utf8(e.name());
      int len = align(Attributes.ENTRY_OUT_SIZE + DIRENT_HEADER + name.length);
      if (out.position() + len > limit) {
        break;
      }
      if (i < 2) {
        Attributes.emptyEntry(out);
        dirent(out, e.ino(), i + 1, Attributes.direntType(e.mode()), name,
            len - Attributes.ENTRY_OUT_SIZE);
        continue;
      }
      FsNode child;
      Stat st;
      try {
        child = dir.lookup(e.name());
        st = child.stat();
      } catch (FsError gone) {
        // listed but not there any more (an image dir removed meanwhile): skip it
        continue;
      }
      long id = nodes.remember(nodeId, e.name(), child);
      attrs.entry(out, id, st);
      dirent(out, st.ino(), i + 1, Attributes.direntType(st.mode()), name,
          len - Attributes.ENTRY_OUT_SIZE);
    }
  }

  private static void dirent(ByteBuffer out, long ino, long nextOffset, int type, byte[] name,
      int len) {
    int start = out.position();
    out.putLong(ino).putLong(nextOffset).putInt(name.length).putInt(type).put(name);
    while (out.position() < start + len) {
      out.put((byte) 0);
    }
  }

  private static int align(int n) {
    return (n + 7) & ~7;
  }
}
