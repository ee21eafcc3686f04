package org.stargzstore.estargz.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.stargzstore.estargz.toc.EntryType;

/**
 * What every {@link LayerIndex} a parser accepts must hold, whatever bytes it came from: the
 * properties the file system relies on to never serve a wrong byte. Fuzz targets check each
 * index they get against these.
 */
public final class IndexInvariants {
  private IndexInvariants() {}

  /** Fails (AssertionError) if {@code index} breaks one of the invariants. */
  public static void check(LayerIndex index) {
    assertEquals(EntryType.DIR, index.root().type(), "the root is a directory");
    for (LayerEntry e : index.entries()) {
      String n = e.name();
      assertFalse(n.startsWith("/") || n.endsWith("/") || n.indexOf('\0') >= 0,
          "normalised name: " + n);
      for (String part : n.isEmpty() ? new String[0] : n.split("/", -1)) {
        assertFalse(part.isEmpty() || part.equals(".") || part.equals(".."),
            "safe name: " + n);
      }
      if (!n.isEmpty()) {
        LayerEntry parent = index.entry(LayerIndex.parentOf(n)).orElseThrow(
            () -> new AssertionError("no parent for " + n));
        assertTrue(parent.isDirectory(), "parent of " + n + " is a directory");
      }
      if (e.type() == EntryType.HARDLINK) {
        assertFalse(index.resolveHardlink(e).isDirectory(), "hardlink to a directory: " + n);
      }
      long covered = 0;
      for (Chunk c : e.chunks()) {
        assertEquals(covered, c.fileOffset(), "chunks of " + n + " are contiguous");
        assertTrue(c.size() > 0, "chunk of " + n + " is not empty");
        if (!c.zeros() && n.equals(TocIndexer.TOC_TAR_NAME)
            && index.format() == FormatKind.ESTARGZ) {
          assertTrue(c.compressedOffset() == index.tocOffset()
              && c.compressedEnd() > c.compressedOffset(), "eStargz's TOC file is the TOC"
              + " member: " + c);
        } else if (!c.zeros()) {
          assertTrue(c.compressedOffset() > 0 && c.compressedEnd() > c.compressedOffset()
              && c.compressedEnd() <= index.tocOffset(), "chunk of " + n + " lies in the data: "
              + c);
        }
        assertEquals(e.chunkIndexAt(c.fileOffset()), e.chunks().indexOf(c));
        covered = c.fileEnd();
      }
      assertEquals(e.isRegular() ? e.size() : 0, e.isRegular() && e.chunks().isEmpty() ? 0
          : covered, "chunks of " + n + " cover the file");
    }
  }
}
