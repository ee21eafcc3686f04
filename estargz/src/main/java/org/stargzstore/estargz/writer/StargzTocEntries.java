package org.stargzstore.estargz.writer;

import java.time.Instant;
import java.util.Map;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.estargz.toc.TocEntry;

/**
 * Turns a tar header into the eStargz TOC entry the reference writer (stargz-snapshotter v0.12
 * {@code Writer.AppendTar}) makes for it: name as stored, raw mode, owner, modification time to
 * the second (none for the Unix epoch), link target, device numbers, xattrs.
 *
 * <p>Unlike the reference, user and group names are written on every entry, not only when they
 * change for a uid: the reference reader fills a missing group name from the <em>user</em> name
 * table, so leaving them out can give wrong group names.
 */
final class StargzTocEntries {
  private StargzTocEntries() {}

  static TocEntry.Builder fromHeader(TarHeader h) {
    TocEntry.Builder b = TocEntry.builder()
        .name(h.name())
        .type(h.type())
        .mode(h.mode())
        .uid(h.uid())
        .gid(h.gid())
        .userName(h.userName())
        .groupName(h.groupName())
        .modTime(modTime(h.modTime()));
    for (Map.Entry<String, byte[]> x : h.xattrs().entrySet()) {
      b.xattr(x.getKey(), x.getValue());
    }
    switch (h.type()) {
      case HARDLINK, SYMLINK -> b.linkName(h.linkName());
      case REG -> b.size(h.size());
      case CHAR, BLOCK -> b.devMajor(h.devMajor()).devMinor(h.devMinor());
      default -> { }
    }
    return b;
  }

  /** A regular file the writer adds itself (landmarks). */
  static TocEntry.Builder syntheticFile(String name, long size, int mode) {
    return TocEntry.builder().name(name).type(EntryType.REG).size(size).mode(mode);
  }

  /**
   * Go's {@code formatModtime}: none for the zero time and the Unix epoch, else UTC rounded to
   * the nearest second (halves up).
   */
  static Instant modTime(Instant t) {
    long sec = t.getEpochSecond() + (t.getNano() >= 500_000_000 ? 1 : 0);
    return t.getEpochSecond() == 0 ? null : Instant.ofEpochSecond(sec);
  }
}
