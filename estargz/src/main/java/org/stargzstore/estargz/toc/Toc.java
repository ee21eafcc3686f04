package org.stargzstore.estargz.toc;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A table of contents as stored in a blob: the eStargz {@code stargz.index.json} or the
 * containers/storage zstd:chunked manifest (same schema, {@code {"version":1,"entries":[...]}}).
 *
 * @param tarSplitDigest containers/storage 1.54+ only: the digest of the compressed tar-split
 *     this TOC vouches for (it is how a reader authenticates the tar-split, which the TOC digest
 *     then covers), as written; empty if absent
 */
public record Toc(int version, List<TocEntry> entries, Optional<String> tarSplitDigest) {
  public Toc {
    entries = List.copyOf(entries);
    Objects.requireNonNull(tarSplitDigest, "tarSplitDigest");
  }

  /** A TOC without a tar-split digest (eStargz, and the writers that add none). */
  public Toc(int version, List<TocEntry> entries) {
    this(version, entries, Optional.empty());
  }
}
