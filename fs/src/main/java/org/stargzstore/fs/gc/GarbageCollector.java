package org.stargzstore.fs.gc;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.References;
import org.stargzstore.fs.store.StoreLock;
import org.stargzstore.types.Digest;

/**
 * Keeps the store under its size budget: deletes the least recently used content that no layer
 * in use needs. A layer is in use while containers/storage holds a reference on it, for a grace
 * period after the last one is dropped, and while the daemon has it loaded. The whole
 * decide-and-delete runs under the store-wide lock (see {@link StoreLock}). The records of
 * layers and images whose content it deleted go with it ({@link ForgottenRecords}).
 */
public final class GarbageCollector {
  private static final Logger LOG = Logger.getLogger(GarbageCollector.class.getName());
  /** Collect down to this fraction of the budget, so the next collection is not immediate. */
  static final double LOW_WATERMARK = 0.9;

  private final ContentStore store;
  private final References references;
  private final LayerContentIndex contentIndex;
  private final ImageRecords images;
  private final ForgottenRecords records;
  private final Supplier<Set<Digest>> loadedLayers;
  private final StoreLock lock;
  private final long maxBytes;
  private final Duration grace;

  /**
   * @param loadedLayers layers the daemon has loaded right now (empty offline)
   * @param maxBytes the size budget of stored content
   * @param grace how long a released layer stays protected
   */
  public GarbageCollector(ContentStore store, References references,
      LayerContentIndex contentIndex, ImageRecords images, ForgottenRecords records,
      Supplier<Set<Digest>> loadedLayers, StoreLock lock, long maxBytes, Duration grace) {
    this.images = images;
    this.records = records;
    this.store = store;
    this.references = references;
    this.contentIndex = contentIndex;
    this.loadedLayers = loadedLayers;
    this.lock = lock;
    this.maxBytes = maxBytes;
    this.grace = grace;
  }

  /** The layers that are in use now, and everything they need. */
  public LiveSet liveSet() throws IOException {
    Set<Digest> layers = new HashSet<>(loadedLayers.get());
    Instant cutoff = Instant.now().minus(grace);
    for (Map.Entry<Digest, References.LayerRefs> e : references.snapshot().entrySet()) {
      References.LayerRefs r = e.getValue();
      if (r.total() > 0 || (r.releasedAt() != null && r.releasedAt().isAfter(cutoff))) {
        layers.add(e.getKey());
      }
    }
    Set<Digest> blobs = new HashSet<>();
    for (Digest l : layers) {
      blobs.addAll(contentIndex.contentOf(l));
    }
    // an image's manifest and config stay as long as any of its layers is in use
    for (ImageRecords.ImageRecord img : images.all()) {
      for (var d : img.layers()) {
        if (layers.contains(d.digest())) {
          blobs.add(img.manifestDigest());
          blobs.add(img.configDigest());
          break;
        }
      }
    }
    return new LiveSet(blobs, layers);
  }

  /** Deletes least recently used unneeded content until the store is under its budget. */
  public GcResult collect() throws IOException {
    try (StoreLock.Held held = lock.exclusiveHeld()) {
      return collectLocked();
    }
  }

  private GcResult collectLocked() throws IOException {
    List<ContentStore.BlobInfo> all = store.list();
    long total = all.stream().mapToLong(ContentStore.BlobInfo::size).sum();
    LiveSet live = liveSet();
    long liveBytes = 0;
    long liveCount = 0;
    List<ContentStore.BlobInfo> candidates = new ArrayList<>();
    for (ContentStore.BlobInfo b : all) {
      if (live.contains(b.digest())) {
        liveBytes += b.size();
        liveCount++;
      } else {
        candidates.add(b);
      }
    }
    long deleted = 0;
    long deletedBytes = 0;
    ForgottenRecords.Forgotten forgotten = ForgottenRecords.Forgotten.NOTHING;
    if (total > maxBytes) {
      Map<Digest, List<Digest>> layersByToc = records.layersByToc();
      Set<Digest> deletedDigests = new HashSet<>();
      long target = (long) (maxBytes * LOW_WATERMARK);
      candidates.sort(Comparator.comparing(ContentStore.BlobInfo::lastAccess));
      long cur = total;
      for (ContentStore.BlobInfo b : candidates) {
        if (cur <= target) {
          break;
        }
        if (store.delete(b.digest())) {
          cur -= b.size();
          deleted++;
          deletedBytes += b.size();
          deletedDigests.add(b.digest());
        }
      }
      forgotten = records.afterDeleting(deletedDigests, layersByToc, live.layers());
    }
    boolean over = liveBytes > maxBytes;
    GcResult r = new GcResult(all.size(), total, liveCount, liveBytes, deleted, deletedBytes, over,
        forgotten.layers(), forgotten.images());
    if (deleted > 0 || over) {
      LOG.info(() -> "garbage collection: " + r.deletedBlobs() + " blobs (" + r.deletedBytes()
          + " bytes) deleted, " + r.bytesAfter() + " of " + maxBytes + " budget bytes used, "
          + r.liveBytes() + " bytes in use by " + live.layers().size() + " layer(s)"
          + (over ? "; content in use alone exceeds the budget" : ""));
    }
    return r;
  }
}
