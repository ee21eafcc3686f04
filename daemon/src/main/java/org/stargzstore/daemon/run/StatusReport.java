package org.stargzstore.daemon.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.stargzstore.fs.als.ImageSource;
import org.stargzstore.fs.als.LayerStore;
import org.stargzstore.fs.als.MountedImage;
import org.stargzstore.fs.als.MountedLayer;
import org.stargzstore.fs.als.NotLazyException;
import org.stargzstore.fs.fetch.FetchStats;
import org.stargzstore.fs.store.References;
import org.stargzstore.types.LayerDescriptor;

/**
 * What {@code stargz-registry-storage status} shows: every image asked about, every layer served
 * lazily or not (and why), bytes fetched against the layer size, references held, the
 * fallback counters and what the registries cost on the network. Built from live state on each
 * request.
 */
public final class StatusReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusReport() {}

  /**
   * The files each lazily served layer had opened, in first-open order, per image: the input of
   * {@code convert --prioritize} (a layer's files, joined with commas).
   */
  public static ObjectNode accesses(LayerStore store, String onlyImage) {
    ObjectNode root = JSON.createObjectNode();
    root.put("ok", true);
    ArrayNode images = root.putArray("images");
    for (MountedImage img : usersImages(store)) {
      if (onlyImage != null && !onlyImage.isEmpty() && !img.reference().equals(onlyImage)) {
        continue;
      }
      ObjectNode i = images.addObject();
      i.put("reference", img.reference());
      ArrayNode layers = i.putArray("layers");
      for (int n = 0; n < img.resolved().layers().size(); n++) {
        LayerDescriptor d = img.resolved().layers().get(n);
        ObjectNode l = layers.addObject();
        l.put("digest", d.digest().toString());
        l.put("diffID", img.resolved().diffIds().get(n).toString());
        ArrayNode files = l.putArray("files");
        store.loadedLayer(d.digest()).ifPresent(m -> m.accesses().files().forEach(files::add));
      }
    }
    return root;
  }

  /** The mounted images, without the daemon's own warm-up image. */
  private static List<MountedImage> usersImages(LayerStore store) {
    return store.images().stream()
        .filter(img -> !img.reference().equals(WarmupImageSource.REFERENCE))
        .toList();
  }

  public static ObjectNode of(LayerStore store, ImageSource source) {
    ObjectNode root = JSON.createObjectNode();
    root.put("ok", true);
    root.put("started", store.started().toString());
    ObjectNode fallbacks = root.putObject("fallbacks");
    store.counters().snapshot().forEach(fallbacks::put);
    ObjectNode network = root.putObject("registry");
    source.networkCounters().forEach(network::put);
    ArrayNode images = root.putArray("images");
    Map<org.stargzstore.types.Digest, References.LayerRefs> refs = store.references().snapshot();
    for (MountedImage img : usersImages(store)) {
      ObjectNode i = images.addObject();
      i.put("reference", img.reference());
      i.put("directory", img.directoryName());
      i.put("manifest", img.resolved().manifestDigest().toString());
      img.otherPlatform().ifPresent(p -> i.put("platform", p));
      i.set("timeline", TimelineJson.of(img.timeline()));
      ArrayNode layers = i.putArray("layers");
      for (LayerDescriptor d : img.resolved().layers()) {
        ObjectNode l = layers.addObject();
        l.put("digest", d.digest().toString());
        d.tocDigest().ifPresent(t -> l.put("tocDigest", t.toString()));
        l.put("mediaType", d.mediaType());
        l.put("size", d.size());
        Optional<MountedLayer> m = store.loadedLayer(d.digest());
        Optional<NotLazyException> why = store.notLazyReason(d.digest());
        if (m.isPresent()) {
          FetchStats s = m.get().fetcher().stats();
          l.put("lazy", true);
          l.put("format", m.get().format().displayName());
          l.put("entries", m.get().index().entries().size());
          l.put("bytesFetched", s.bytesFetched());
          ObjectNode byReason = l.putObject("bytesByReason");
          s.bytesByReason().forEach((r, n) -> byReason.put(r.label(), n));
          l.put("requests", s.requests());
          l.put("demandRequests", s.demandFetches());
          l.put("readsWaited", s.readsWaited());
          l.put("readWaitMillis", s.readWaitMillis());
          l.put("chunksFetched", s.chunksFetched());
          l.put("verifyFailures", s.verifyFailures());
          l.put("fetchErrors", s.fetchErrors());
          l.put("complete", m.get().fetcher().isComplete());
          l.put("tocFromStore", m.get().tocFromStore());
          l.put("diffSize", m.get().knownDiffSize().orElse(-1));
          l.set("timeline", TimelineJson.of(m.get().fetcher().timeline()));
          m.get().whyNotByBlobDigest().ifPresent(w -> {
            l.put("blobDigestReason", NotLazyException.Reason.UNKNOWN_UNCOMPRESSED_SIZE.code());
            l.put("blobDigestWhy", w);
          });
        } else if (why.isPresent()) {
          l.put("lazy", false);
          l.put("reason", why.get().reason().code());
          l.put("why", why.get().getMessage());
        } else if (d.tocDigest().isEmpty()) {
          l.put("lazy", false);
          l.put("reason", NotLazyException.Reason.NO_TOC_DIGEST.code());
          l.put("why", "no TOC digest annotation: not eStargz or zstd:chunked");
        } else {
          l.put("lazy", false);
          l.put("reason", "not-opened");
          l.put("why", "not looked up yet, or unloaded after release");
        }
        References.LayerRefs r = refs.get(d.digest());
        l.put("references", r == null ? 0 : r.total());
      }
    }
    return root;
  }
}
