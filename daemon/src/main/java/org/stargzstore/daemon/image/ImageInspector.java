package org.stargzstore.daemon.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.fs.remote.LayerDescriptors;
import org.stargzstore.registry.RegistryBlob;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.ResolvedImage;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * What {@code image inspect} reports: the resolved manifest and config as served, and for each
 * layer whether the store can serve it lazily. A layer's format is what its annotations promise,
 * confirmed by opening it the way the store does (footer, then the TOC, verified against the
 * annotation): one read of the blob's tail, a second only if the TOC is not in it. A layer is
 * lazily pullable only if both agree. A layer that some podman versions will not ask the store
 * for gets a {@code note} saying so and what to do ({@link PodmanLookupNote}).
 */
public final class ImageInspector {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryClient client;
  private final boolean readFooters;

  /** @param readFooters false: judge by annotations only, read no layer bytes */
  public ImageInspector(RegistryClient client, boolean readFooters) {
    this.client = client;
    this.readFooters = readFooters;
  }

  public ObjectNode inspect(ResolvedImage image) throws IOException {
    ObjectNode out = JSON.createObjectNode();
    out.put("reference", image.reference().toString());
    out.put("source", image.source().toString());
    out.put("platform", image.platform().toString());
    image.indexDigest().ifPresentOrElse(d -> out.put("indexDigest", d.toString()),
        () -> out.putNull("indexDigest"));
    ObjectNode manifest = out.putObject("manifest");
    manifest.put("digest", image.manifestDigest().toString());
    manifest.put("mediaType", image.manifest().mediaType());
    manifest.put("size", image.manifestBytes().length);
    manifest.set("content", JSON.readTree(image.manifestBytes()));
    ObjectNode config = out.putObject("config");
    config.put("digest", image.configDigest().toString());
    config.put("mediaType", image.manifest().config().mediaType());
    config.put("size", image.manifest().config().size());
    config.set("content", JSON.readTree(image.configBytes()));
    ArrayNode layers = out.putArray("layers");
    boolean allLazy = !image.layers().isEmpty();
    for (int i = 0; i < image.layers().size(); i++) {
      ObjectNode l = layer(image, image.layers().get(i));
      l.put("diffID", image.diffIds().get(i).toString());
      allLazy &= l.get("lazy").asBoolean();
      layers.add(l);
    }
    out.put("lazilyPullable", allLazy);
    return out;
  }

  private ObjectNode layer(ResolvedImage image, Descriptor d) throws IOException {
    ObjectNode l = JSON.createObjectNode();
    l.put("digest", d.digest().toString());
    l.put("mediaType", d.mediaType());
    l.put("size", d.size());
    ObjectNode ann = l.putObject("annotations");
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(d.annotations()).entrySet()) {
      ann.put(e.getKey(), e.getValue());
    }
    LayerDescriptor ld = LayerDescriptors.of(d);
    Optional<FormatKind> promised = LayerFormats.detect(ld);
    l.put("annotatedFormat", promised.map(FormatKind::displayName).orElse(null));
    PodmanLookupNote.of(ld).ifPresent(n -> l.put("note", n));
    if (!readFooters) {
      l.put("format", promised.map(FormatKind::displayName).orElse(null));
      l.put("lazy", promised.isPresent());
      if (promised.isEmpty()) {
        l.put("reason", "no TOC digest annotation");
      }
      return l;
    }
    RegistryBlob blob = client.blob(image, d);
    try (LayerReader r = LayerReader.open(blob,
        LayerFormats.options().descriptor(ld).build())) {
      FormatKind found = r.format().kind();
      l.put("format", found.displayName());
      ld.tocDigest().ifPresent(t -> l.put("tocDigest", t.toString()));
      l.put("tocVerified", ld.tocDigest().isPresent());
      l.put("entries", r.index().entries().size());
      if (ld.tocDigest().isEmpty()) {
        l.put("lazy", false);
        l.put("reason", "the blob is " + found.displayName() + " but its descriptor has no TOC"
            + " digest annotation, so its TOC cannot be trusted");
      } else if (promised.isPresent() && promised.get() != found) {
        l.put("lazy", false);
        l.put("reason", "the annotations promise " + promised.get().displayName()
            + " but the blob is " + found.displayName());
      } else {
        l.put("lazy", true);
      }
    } catch (LayerFormatException e) {
      l.putNull("format");
      l.put("lazy", false);
      l.put("reason", promised.isPresent()
          ? "annotated as " + promised.get().displayName() + " but: " + e.getMessage()
          : "not a lazily pullable layer: " + e.getMessage());
    } catch (RegistryException e) {
      throw e;
    }
    return l;
  }

  /** Pretty JSON text of an inspection, for the CLI. */
  public static String text(JsonNode n) throws IOException {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
  }
}
