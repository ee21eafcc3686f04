package org.stargzstore.fs.gc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.LayerRecord;
import org.stargzstore.fs.store.LayerRecords;
import org.stargzstore.types.Digest;

/**
 * {@code store du}: what the store holds per image and per layer, how much of it is shared, and
 * the deduplication ratio (bytes the layers would take if each kept its own copy, over the bytes
 * actually stored).
 */
public final class StoreUsage {

  /** One layer's stored content. */
  public record LayerUsage(Digest layer, String format, long storedBytes, long sharedBytes,
      int blobs) {}

  /** One image's stored content (the union of its layers, manifest and config). */
  public record ImageUsage(String reference, int layers, long storedBytes, long uniqueBytes) {}

  /**
   * @param totalBytes everything in {@code blobs/}
   * @param layerBytesSum the sum of every layer's stored bytes (each counting shared content)
   * @param layerUnionBytes the bytes of the union of all layers' content
   */
  public record Report(List<ImageUsage> images, List<LayerUsage> layers, long totalBytes,
      long totalBlobs, long layerBytesSum, long layerUnionBytes) {
    /** Bytes the layers would take without sharing, per byte stored. */
    public double dedupRatio() {
      return layerUnionBytes == 0 ? 1.0 : (double) layerBytesSum / layerUnionBytes;
    }
  }

  private StoreUsage() {}

  public static Report of(ContentStore store, LayerRecords records, ImageRecords images,
      LayerContentIndex content) throws IOException {
    Map<Digest, Long> sizes = new HashMap<>();
    long total = 0;
    for (ContentStore.BlobInfo b : store.list()) {
      sizes.put(b.digest(), b.size());
      total += b.size();
    }
    Map<Digest, Set<Digest>> contentOf = new HashMap<>();
    Map<Digest, Integer> users = new HashMap<>();
    for (LayerRecord r : records.all()) {
      Digest l = Digest.parse(r.digest());
      Set<Digest> c = new HashSet<>();
      for (Digest d : content.contentOf(l)) {
        if (sizes.containsKey(d)) {
          c.add(d);
        }
      }
      contentOf.put(l, c);
      for (Digest d : c) {
        users.merge(d, 1, Integer::sum);
      }
    }
    List<LayerUsage> layers = new ArrayList<>();
    long sum = 0;
    Set<Digest> union = new HashSet<>();
    for (LayerRecord r : records.all()) {
      Digest l = Digest.parse(r.digest());
      long stored = 0;
      long shared = 0;
      for (Digest d : contentOf.get(l)) {
        stored += sizes.get(d);
        if (users.get(d) > 1) {
          shared += sizes.get(d);
        }
      }
      sum += stored;
      union.addAll(contentOf.get(l));
      layers.add(new LayerUsage(l, r.format(), stored, shared, contentOf.get(l).size()));
    }
    long unionBytes = union.stream().mapToLong(sizes::get).sum();
    List<ImageUsage> imgs = new ArrayList<>();
    for (ImageRecords.ImageRecord img : images.all()) {
      Set<Digest> mine = new HashSet<>();
      Set<Digest> others = new HashSet<>();
      for (var d : img.layers()) {
        mine.addAll(contentOf.getOrDefault(d.digest(), Set.of()));
      }
      for (ImageRecords.ImageRecord o : images.all()) {
        if (!o.reference().equals(img.reference())) {
          for (var d : o.layers()) {
            others.addAll(contentOf.getOrDefault(d.digest(), Set.of()));
          }
        }
      }
      for (Digest d : List.of(img.manifestDigest(), img.configDigest())) {
        if (sizes.containsKey(d)) {
          mine.add(d);
        }
      }
      long stored = mine.stream().mapToLong(d -> sizes.getOrDefault(d, 0L)).sum();
      long unique = mine.stream().filter(d -> !others.contains(d))
          .mapToLong(d -> sizes.getOrDefault(d, 0L)).sum();
      imgs.add(new ImageUsage(img.reference(), img.layers().size(), stored, unique));
    }
    return new Report(imgs, layers, total, sizes.size(), sum, unionBytes);
  }
}
