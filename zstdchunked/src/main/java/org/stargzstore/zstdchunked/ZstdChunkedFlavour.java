package org.stargzstore.zstdchunked;

import org.stargzstore.estargz.layer.EntryNames;
import org.stargzstore.estargz.layer.TocIndexer;
import org.stargzstore.estargz.toc.Toc;
import org.stargzstore.estargz.toc.TocEntry;

/**
 * Tells the two zstd:chunked flavours apart by what their TOCs contain, for blobs whose footer
 * both share (the 40-byte one) and whose digest does not decide it. Evidence, strongest first:
 *
 * <ul>
 *   <li>containers/storage: a non-empty regular file with {@code endOffset} (its writer always
 *       sets it; stargz-snapshotter has no such field).
 *   <li>stargz-snapshotter: an {@code innerOffset}; a stargz landmark or
 *       {@code stargz.index.json}; a one-chunk regular file with a {@code chunkDigest} (that
 *       writer sets it on every chunk, containers/storage only on files cut in several chunks).
 * </ul>
 */
enum ZstdChunkedFlavour {
  STARGZ,
  STORAGE,
  /** No evidence either way (e.g. no non-empty regular file): both readings agree. */
  UNKNOWN;

  static ZstdChunkedFlavour of(Toc toc) {
    for (TocEntry e : toc.entries()) {
      if ("reg".equals(e.type()) && e.size() > 0 && e.endOffset() > 0) {
        return STORAGE;
      }
    }
    for (TocEntry e : toc.entries()) {
      if (e.innerOffset() > 0) {
        return STARGZ;
      }
      String name = EntryNames.tryNormalise(e.name()).orElse("");
      if (name.equals(TocIndexer.PREFETCH_LANDMARK) || name.equals(TocIndexer.NO_PREFETCH_LANDMARK)
          || name.equals(TocIndexer.TOC_TAR_NAME)) {
        return STARGZ;
      }
      if ("reg".equals(e.type()) && e.size() > 0 && e.chunkSize() == 0
          && !e.chunkDigest().isEmpty()) {
        return STARGZ;
      }
    }
    return UNKNOWN;
  }
}
