package org.stargzstore.fs.gc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.LayerRecord;
import org.stargzstore.fs.store.LayerRecords;
import org.stargzstore.fs.store.References;
import org.stargzstore.types.Digest;

/**
 * Deletes the small records ({@code meta/}) that describe content the collector has just deleted,
 * so records grow and shrink with the content they describe instead of piling up for every layer
 * and image a node ever saw. A layer is forgotten (its record, its reference file, its access
 * profile) when the collection deleted its TOC and the layer is not in use; an image is forgotten
 * when the collection deleted its manifest. Either would be fetched again on the next use, the
 * same as if it had never been seen; nothing that is in use is touched.
 */
public final class ForgottenRecords {
  private static final Logger LOG = Logger.getLogger(ForgottenRecords.class.getName());

  private final LayerRecords layers;
  private final References references;
  private final ProfileStore profiles;
  private final ImageRecords images;

  public ForgottenRecords(LayerRecords layers, References references, ProfileStore profiles,
      ImageRecords images) {
    this.layers = layers;
    this.references = references;
    this.profiles = profiles;
    this.images = images;
  }

  /** What was forgotten by one {@link #afterDeleting} call. */
  public record Forgotten(int layers, int images) {
    public static final Forgotten NOTHING = new Forgotten(0, 0);
  }

  /**
   * Which layers' records name each stored TOC (read before deleting: a deleted TOC's layers are
   * found by it afterwards).
   */
  public Map<Digest, List<Digest>> layersByToc() throws IOException {
    Map<Digest, List<Digest>> out = new HashMap<>();
    for (LayerRecord r : layers.all()) {
      out.computeIfAbsent(Digest.parse(r.tocBlob()), k -> new ArrayList<>(1))
          .add(Digest.parse(r.digest()));
    }
    return out;
  }

  /**
   * Forgets the layers whose TOC and the images whose manifest are among {@code deleted}, except
   * layers in {@code liveLayers}. Runs under the store's exclusive lock, like the deletion.
   */
  public Forgotten afterDeleting(Set<Digest> deleted, Map<Digest, List<Digest>> layersByToc,
      Set<Digest> liveLayers) throws IOException {
    if (deleted.isEmpty()) {
      return Forgotten.NOTHING;
    }
    int forgottenLayers = 0;
    for (Digest toc : deleted) {
      for (Digest layer : layersByToc.getOrDefault(toc, List.of())) {
        if (!liveLayers.contains(layer) && references.forgetIfUnreferenced(layer)) {
          layers.remove(layer);
          profiles.remove(layer);
          forgottenLayers++;
        }
      }
    }
    int forgottenImages = 0;
    for (ImageRecords.ImageRecord image : images.all()) {
      if (deleted.contains(image.manifestDigest())) {
        images.remove(image.reference());
        forgottenImages++;
      }
    }
    Forgotten f = new Forgotten(forgottenLayers, forgottenImages);
    if (forgottenLayers + forgottenImages > 0) {
      LOG.info(() -> "garbage collection forgot " + f.layers() + " layer(s) and " + f.images()
          + " image(s) whose TOC or manifest it deleted; they are fetched again when used");
    }
    return f;
  }
}
