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
 * page cache) per file for as long as it remembers it.
 *
 * <p>With a {@link NodeJournal} every reference is written down before it is handed out, and a
 * table built from a journal ({@link #restore}) knows the ids an earlier process handed out: it
 * resolves each by walking its names from the root when the kernel first uses it
 * (docs/fuse.md, "Takeover").
 */
final class NodeTable {
  static final long ROOT_ID = 1;

  private record Key(long parent, String name) {}

  private static final class Entry {
    final Key key;
    /** Null for an id restored from the journal and not used yet. */
    FsNode node;
    long lookups;

    Entry(Key key, FsNode node) {
      this.key = key;
      this.node = node;
    }
  }

  private final Map<Long, Entry> byId = new HashMap<>();
  private final Map<Key, Long> byName = new HashMap<>();
  private final NodeJournal journal;
  private long nextId = ROOT_ID + 1;

  NodeTable(FsNode root) {
    this(root, null);
  }

  /** A table that writes every reference to {@code journal} (null: none). */
  NodeTable(FsNode root, NodeJournal journal) {
    this.journal = journal;
    byId.put(ROOT_ID, new Entry(null, root));
  }

  /** A table holding the ids in {@code restored}, each resolved by its names when first used. */
  static NodeTable restore(FsNode root, NodeJournal journal,
      Iterable<NodeJournal.Node> restored) {
    NodeTable t = new NodeTable(root, journal);
    for (NodeJournal.Node n : restored) {
      if (n.id() == ROOT_ID) {
        continue;
      }
      Key key = new Key(n.parent(), n.name());
      Entry e = new Entry(key, null);
      e.lookups = n.lookups();
      t.byId.put(n.id(), e);
      t.byName.put(key, n.id());
      t.nextId = Math.max(t.nextId, n.id() + 1);
    }
    return t;
  }

  /** The node of {@code id}; ESTALE-like ENOENT if the kernel uses an id it forgot. */
  FsNode node(long id) throws FsError {
    Entry e;
    synchronized (this) {
      e = byId.get(id);
      if (e == null) {
        throw new FsError(FsError.ENOENT, "unknown node id " + id);
      }
      if (e.node != null) {
        return e.node;
      }
    }
    // an id of an earlier process: its parent's node, then the name (outside the lock: opening
    // a layer from the store takes a while, other requests go on meanwhile)
    FsNode resolved = node(e.key.parent()).lookup(e.key.name());
    synchronized (this) {
      if (e.node == null) {
        e.node = resolved;
      }
      return e.node;
    }
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
    if (journal != null) {
      journal.referenced(id, parent, name);
    }
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
    if (journal != null) {
      journal.forgotten(id, count);
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
