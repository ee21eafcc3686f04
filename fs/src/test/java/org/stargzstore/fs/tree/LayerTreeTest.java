package org.stargzstore.fs.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.Landmark;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.toc.EntryType;

/** The overlay form of a layer: whiteouts, opaque directories, hardlinks, devices. */
class LayerTreeTest {

  private static LayerIndex index(LayerEntry... entries) {
    List<LayerEntry> all = new ArrayList<>();
    all.add(LayerEntry.builder("", EntryType.DIR).mode(0755).build());
    all.addAll(List.of(entries));
    return new LayerIndex(FormatKind.ESTARGZ, all, Landmark.NONE, List.of(), 0);
  }

  private static LayerEntry dir(String name) {
    return LayerEntry.builder(name, EntryType.DIR).mode(0755).build();
  }

  private static LayerEntry file(String name, long mode) {
    return LayerEntry.builder(name, EntryType.REG).mode(mode).build();
  }

  @Test
  void whiteoutFileBecomesZeroZeroCharDeviceOfTheHiddenName() {
    LayerTree t = LayerTree.build(index(dir("gone"), file("gone/.wh.removed-file", 0644)),
        new InodeNumbers(10), "test");
    Inode wh = t.lookup("gone/removed-file");
    assertNotNull(wh);
    assertEquals(Inode.S_IFCHR, wh.mode() & 0170000);
    assertEquals(0, wh.rdevMajor());
    assertEquals(0, wh.rdevMinor());
    assertNull(t.lookup("gone/.wh.removed-file"));
  }

  @Test
  void opaqueMarkerSetsTheOverlayXattrAndIsHidden() {
    LayerTree t = LayerTree.build(index(dir("opaque"), file("opaque/.wh..wh..opq", 0644),
        file("opaque/kept", 0644)), new InodeNumbers(10), "test");
    Inode d = t.lookup("opaque");
    assertArrayEquals(new byte[] {'y'}, d.xattr("trusted.overlay.opaque"));
    assertArrayEquals(new byte[] {'y'}, d.xattr("user.overlay.opaque"));
    assertEquals(List.of("kept"), List.copyOf(d.children().keySet()));
    assertEquals(List.of("trusted.overlay.opaque", "user.overlay.opaque"),
        List.copyOf(d.xattrNames()));
  }

  @Test
  void hardlinksShareOneInodeAndCountLinks() {
    LayerTree t = LayerTree.build(index(dir("bin"), file("bin/a", 0755),
        LayerEntry.builder("bin/b", EntryType.HARDLINK).linkName("bin/a").build(),
        LayerEntry.builder("c", EntryType.HARDLINK).linkName("bin/a").build()),
        new InodeNumbers(10), "test");
    Inode a = t.lookup("bin/a");
    assertSame(a, t.lookup("bin/b"));
    assertSame(a, t.lookup("c"));
    assertEquals(3, a.nlink());
    assertEquals(Inode.S_IFREG | 0755, a.mode());
  }

  @Test
  void directoryLinkCountCountsSubdirectories() {
    LayerTree t = LayerTree.build(index(dir("a"), dir("a/b"), dir("a/c"), file("a/f", 0644)),
        new InodeNumbers(10), "test");
    assertEquals(4, t.lookup("a").nlink());
    assertEquals(3, t.root().nlink());
  }

  @Test
  void devicesKeepNumbersAndSetuidBitsSurvive() {
    LayerTree t = LayerTree.build(index(dir("dev"),
        LayerEntry.builder("dev/loop9", EntryType.BLOCK).mode(0660).devMajor(7).devMinor(9).build(),
        LayerEntry.builder("dev/fifo", EntryType.FIFO).mode(0644).build(),
        file("suid", 04755)), new InodeNumbers(10), "test");
    Inode b = t.lookup("dev/loop9");
    assertEquals(Inode.S_IFBLK | 0660, b.mode());
    assertEquals(7, b.rdevMajor());
    assertEquals(9, b.rdevMinor());
    assertEquals(Inode.S_IFIFO | 0644, t.lookup("dev/fifo").mode());
    assertEquals(Inode.S_IFREG | 04755, t.lookup("suid").mode());
  }

  @Test
  void realEntryWinsOverWhiteoutOfTheSameName() {
    LayerTree t = LayerTree.build(index(file(".wh.x", 0644), file("x", 0600)),
        new InodeNumbers(10), "test");
    assertEquals(Inode.S_IFREG | 0600, t.lookup("x").mode());
  }

  @Test
  void inodeNumbersAreUniqueAcrossTrees() {
    InodeNumbers n = new InodeNumbers(10);
    LayerTree a = LayerTree.build(index(file("f", 0644)), n, "a");
    LayerTree b = LayerTree.build(index(file("f", 0644)), n, "b");
    assertEquals(java.util.Set.of(10L, 11L, 12L, 13L), java.util.Set.of(a.root().ino(),
        a.lookup("f").ino(), b.root().ino(), b.lookup("f").ino()));
  }
}
