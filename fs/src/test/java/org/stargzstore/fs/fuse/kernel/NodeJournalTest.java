package org.stargzstore.fs.fuse.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fuse.FsError;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.Stat;

/**
 * The node journal: references summed per id, forgotten ids dropped, a torn last record ignored,
 * compaction keeps what is live; a table restored from it resolves old ids by their names and
 * hands out new ids after them.
 */
class NodeJournalTest {
  @TempDir Path tmp;

  /** A directory whose every name is a directory of a number derived from the name. */
  private static FsNode dir(String path) {
    return new FsNode() {
      @Override
      public Stat stat() {
        return Stat.directory(path.hashCode() & 0xffff, 0755, 2, java.time.Instant.EPOCH);
      }

      @Override
      public FsNode lookup(String name) throws FsError {
        if (name.startsWith("gone")) {
          throw FsError.noEntry(name);
        }
        return dir(path + "/" + name);
      }

      @Override
      public String toString() {
        return path;
      }
    };
  }

  @Test
  void replaySumsReferencesDropsForgottenIdsAndIgnoresATornRecord() throws Exception {
    Path f = tmp.resolve("nodes.journal");
    try (NodeJournal j = NodeJournal.open(f, new HashMap<>())) {
      NodeTable t = new NodeTable(dir(""), j);
      long a = t.remember(NodeTable.ROOT_ID, "a", dir("/a"));
      long b = t.remember(a, "b", dir("/a/b"));
      assertEquals(a, t.remember(NodeTable.ROOT_ID, "a", dir("/a")));
      long c = t.remember(NodeTable.ROOT_ID, "c", dir("/c"));
      t.forget(c, 1);
      t.forget(a, 1);
      assertEquals(0, Files.size(f), "written before the request's flush");
      j.flush(); // what a worker does before it replies
      Map<Long, NodeJournal.Node> live = NodeJournal.replay(f);
      assertEquals(List.of(a, b), List.copyOf(live.keySet()));
      assertEquals(1, live.get(a).lookups());
      assertEquals(new NodeJournal.Node(b, a, "b", 1), live.get(b));
    }
    long size = Files.size(f);
    try (FileChannel c = FileChannel.open(f, StandardOpenOption.APPEND)) {
      c.write(java.nio.ByteBuffer.wrap(new byte[] {40, 0, 0, 0, 9, 9})); // a torn record
    }
    Map<Long, NodeJournal.Node> live = new HashMap<>();
    NodeJournal.open(f, live).close();
    assertEquals(2, live.size());
    assertTrue(Files.size(f) < size, "not compacted: " + Files.size(f) + " >= " + size);
    assertEquals(live, NodeJournal.replay(f));
  }

  @Test
  void aRestoredTableResolvesOldIdsByTheirNamesAndContinuesAfterThem() throws Exception {
    Path f = tmp.resolve("nodes.journal");
    long a;
    long b;
    long gone;
    try (NodeJournal j = NodeJournal.open(f, new HashMap<>())) {
      NodeTable t = new NodeTable(dir(""), j);
      a = t.remember(NodeTable.ROOT_ID, "a", dir("/a"));
      b = t.remember(a, "b", dir("/a/b"));
      gone = t.remember(NodeTable.ROOT_ID, "gone", dir("/gone"));
      j.flush();
    }
    Map<Long, NodeJournal.Node> live = new HashMap<>();
    try (NodeJournal j = NodeJournal.open(f, live)) {
      NodeTable t = NodeTable.restore(dir(""), j, live.values());
      assertEquals("/a/b", t.node(b).toString());
      assertEquals("/a", t.node(a).toString());
      FsError e = org.junit.jupiter.api.Assertions.assertThrows(FsError.class,
          () -> t.node(gone));
      assertEquals(FsError.ENOENT, e.errno());
      assertEquals(b, t.remember(a, "b", dir("/a/b")), "the same name got another id");
      assertTrue(t.remember(a, "new", dir("/a/new")) > gone, "a new id reuses an old one");
      t.forget(b, 2); // the kernel's FORGET of the references of both processes
      assertEquals(3 + 1, t.size()); // root, a, gone, new
    }
  }
}
