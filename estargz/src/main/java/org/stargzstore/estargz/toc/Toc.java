package org.stargzstore.estargz.toc;

import java.util.List;

/**
 * A table of contents as stored in a blob: the eStargz {@code stargz.index.json} or the
 * containers/storage zstd:chunked manifest (same schema, {@code {"version":1,"entries":[...]}}).
 */
public record Toc(int version, List<TocEntry> entries) {
  public Toc {
    entries = List.copyOf(entries);
  }
}
