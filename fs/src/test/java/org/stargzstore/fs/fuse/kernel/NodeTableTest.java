package org.stargzstore.fs.fuse.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.stargzstore.fs.fuse.FsError;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.Stat;

/** The kernel's references to node ids: one id per name, counted, dropped when forgotten. */
class NodeTableTest {
  private static FsNode node(long ino) {
    return () -> Stat.directory(ino, 0755, 2, Instant.EPOCH);
  }

  @Test
  void aNameKeepsItsIdUntilTheKernelForgetsEveryLookup() throws FsError {
    NodeTable t = new NodeTable(node(1));
    FsNode a = node(7);
    long id = t.remember(NodeTable.ROOT_ID, "a", a);
    assertEquals(id, t.remember(NodeTable.ROOT_ID, "a", a));
    t.forget(id, 1);
    assertSame(a, t.node(id));
    t.forget(id, 1);
    assertThrows(FsError.class, () -> t.node(id));
    assertNotEquals(id, t.remember(NodeTable.ROOT_ID, "a", a), "a forgotten id is not reused");
  }

  @Test
  void twoNamesOfOneInodeAreTwoIdsAndTheRootIsNeverDropped() throws FsError {
    FsNode root = node(1);
    NodeTable t = new NodeTable(root);
    FsNode shared = node(9);
    long diff = t.remember(NodeTable.ROOT_ID, "diff", shared);
    long layer = t.remember(NodeTable.ROOT_ID, "layer", shared);
    assertNotEquals(diff, layer);
    t.forget(NodeTable.ROOT_ID, 100);
    assertSame(root, t.node(NodeTable.ROOT_ID));
    assertEquals(3, t.size());
  }
}
