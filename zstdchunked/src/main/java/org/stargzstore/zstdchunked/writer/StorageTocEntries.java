package org.stargzstore.zstdchunked.writer;

import java.util.Map;
import org.stargzstore.estargz.toc.TocEntry;
import org.stargzstore.estargz.writer.TarHeader;

/**
 * The containers/storage manifest entry for a tar header ({@code minimal.NewFileMetadata}):
 * every field as Go's tar reader reports it, including the header's size for links, device
 * numbers for every type, access and change times when the header has them, and extended
 * attributes with empty values. Current containers/storage compares these fields with the
 * tar-split headers and refuses a partial pull on any difference.
 */
final class StorageTocEntries {
  private StorageTocEntries() {}

  static TocEntry.Builder fromHeader(TarHeader h) {
    TocEntry.Builder b = TocEntry.builder()
        .type(h.type())
        .name(h.name())
        .linkName(h.linkName())
        .mode(h.mode())
        .size(h.size())
        .uid(h.uid())
        .gid(h.gid())
        .modTime(h.modTime())
        .accessTime(h.accessTime())
        .changeTime(h.changeTime())
        .devMajor(h.devMajor())
        .devMinor(h.devMinor());
    for (Map.Entry<String, byte[]> x : h.xattrs().entrySet()) {
      b.xattr(x.getKey(), x.getValue());
    }
    return b;
  }
}
