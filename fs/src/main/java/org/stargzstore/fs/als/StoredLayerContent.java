package org.stargzstore.fs.als;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.fs.gc.LayerContentIndex;
import org.stargzstore.fs.store.LayerRecord;
import org.stargzstore.fs.store.LayerRecords;
import org.stargzstore.types.Digest;

/**
 * Tells the garbage collector which stored blobs a layer needs, from the layer's record and the
 * TOC kept in the store, plus the layer's own blob. Results are cached by TOC blob (a TOC never
 * changes).
 */
public final class StoredLayerContent implements LayerContentIndex {
  private final LayerRecords records;
  private final CachingLayerOpener opener;
  private final Cache<Digest, Set<Digest>> byToc = Caffeine.newBuilder().maximumSize(4096).build();

  public StoredLayerContent(LayerRecords records, CachingLayerOpener opener) {
    this.records = records;
    this.opener = opener;
  }

  /**
   * The layer's TOC and chunks, and its whole blob (stored under the layer digest once its
   * {@code blob} file was read; naming it when it is not stored is harmless).
   */
  @Override
  public Set<Digest> contentOf(Digest layer) {
    Set<Digest> toc = tocContentOf(layer);
    Set<Digest> out = new HashSet<>(toc.size() + 1);
    out.addAll(toc);
    out.add(layer);
    return out;
  }

  private Set<Digest> tocContentOf(Digest layer) {
    Optional<LayerRecord> rec = records.get(layer);
    if (rec.isEmpty()) {
      return Set.of();
    }
    Digest toc = Digest.parse(rec.get().tocBlob());
    Set<Digest> cached = byToc.getIfPresent(toc);
    if (cached != null) {
      return cached;
    }
    Optional<CachingLayerOpener.Opened> opened = opener.openStored(rec.get(), "stored layer " + layer);
    if (opened.isEmpty()) {
      return Set.of();
    }
    Set<Digest> out = new HashSet<>();
    out.add(toc);
    for (Chunk c : opened.get().toc().index().chunksInBlobOrder()) {
      if (!c.zeros()) {
        out.add(c.digest());
      }
    }
    Set<Digest> frozen = Set.copyOf(out);
    byToc.put(toc, frozen);
    return frozen;
  }
}
