package org.stargzstore.fs.fuse.kernel;

import java.util.HashMap;
import java.util.Map;
import org.stargzstore.fs.fuse.FsError;
import org.stargzstore.fs.fuse.FsNode;

/**
 * The node ids the kernel holds: each LOOKUP (or READDIRPLUS entry) of a name hands out the id of
 * that name under its parent and counts one kernel reference; FORGET gives references back and
 * the id is dropped at zero. Id 1 is the root and is never dropped.
 *
 * <p>Ids are per (parent id, name), not per inode number: a layer's {@code diff} and
 * {@code layer} share one directory inode, and the kernel must not see one directory under two
 * names. Repeated lookups of a name give the same id, so the kernel keeps one inode (and its
 * page cache) per file for as long as it remembers it. See docs/fuse.md for how step 2 makes
 * ids restorable by a new process.
 */
final class NodeTable {
  static final long ROOT_ID = 1;

  private record Key(long parent, String name) {}

  private static final class Entry {
    final Key key;
    FsNode node;
    long lookups;

    Entry(Key key, FsNode node) {
      this.key = key;
      this.node = node;
    }
  }

  private final Map<Long, Entry> byId = new HashMap<>();
  private final Map<Key, Long> byName = new HashMap<>();
  private long nextId = ROOT_ID + 1;

  NodeTable(FsNode root) {
    byId.put(ROOT_ID, new Entry(null, root));
  }

  /** The node of {@code id}; ESTALE-like ENOENT if the kernel uses an id it forgot. */
  synchronized FsNode node(long id) throws FsError {
    Entry e = byId.get(id);
    if (e == null) {
      throw new FsError(FsError.ENOENT, "unknown node id " + id);
    }
    return e.node;
  }

  /** Records one more kernel reference to {@code name} under {@code parent}; returns its id. */
  synchronized long remember(long parent, String name, FsNode node) {
    Key key = new Key(parent, name);
    Long id = byName.get(key);
    Entry e;
    if (id == null) {
      id = nextId++;
      e = new Entry(key, node);
      byId.put(id, e);
      byName.put(key, id);
    } else {
      e = byId.get(id);
      e.node = node;
    }
    e.lookups++;
    return id;
  }

  /** The kernel dropped {@code count} references to {@code id}. */
  synchronized void forget(long id, long count) {
    if (id == ROOT_ID) {
      return;
    }
    Entry e = byId.get(id);
    if (e == null) {
      return;
    }
    e.lookups -= count;
    if (e.lookups <= 0) {
      byId.remove(id);
      byName.remove(e.key);
    }
  }

  /** Ids the kernel holds, the root included. */
  synchronized int size() {
    return byId.size();
  }
}
