package org.stargzstore.daemon.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.Platform;
import org.stargzstore.registry.PushOptions;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.ResolvedImage;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageManifest;
import org.stargzstore.registry.manifest.ManifestJson;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.writer.LayerConversion;

/**
 * Converts an image from one registry reference to another: each layer is pulled (verified
 * against its digest) to a temporary file, converted with the layer writers, and pushed; the
 * config gets the new layers' diff IDs; an OCI manifest with the writers' annotations (TOC
 * digest, uncompressed size, zstd:chunked manifest position...) and the source manifest's own
 * annotations is pushed last, so the target tag never names an incomplete image. Temporary files
 * are removed whatever happens.
 */
public final class ImageConverter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryClient client;
  private final LayerConversion conversion;
  private final Path tmpRoot;

  /** @param tmpRoot where layers are staged (needs room for a layer twice) */
  public ImageConverter(RegistryClient client, LayerConversion conversion, Path tmpRoot) {
    this.client = client;
    this.conversion = conversion;
    this.tmpRoot = tmpRoot;
  }

  /**
   * Converts {@code source} (for {@code platform}, or this node's if null) into {@code target}.
   *
   * @param progress told one line per step, for the user
   * @return a JSON summary: source and target, manifest digests, per-layer before and after
   */
  public ObjectNode convert(ImageReference source, ImageReference target, Platform platform,
      Consumer<String> progress) throws IOException {
    ResolvedImage src = platform == null ? client.resolve(source)
        : client.resolve(source, platform);
    Path work = Files.createTempDirectory(tmpRoot, "srs-convert-");
    try {
      ObjectNode out = JSON.createObjectNode();
      out.put("source", src.reference().toString());
      out.put("sourceManifestDigest", src.manifestDigest().toString());
      out.put("platform", src.platform().toString());
      ArrayNode layersOut = JSON.createArrayNode();
      List<Descriptor> layers = new ArrayList<>();
      List<Digest> diffIds = new ArrayList<>();
      for (int i = 0; i < src.layers().size(); i++) {
        Descriptor d = src.layers().get(i);
        progress.accept("layer " + (i + 1) + "/" + src.layers().size() + ": pulling "
            + d.digest() + " (" + d.size() + " bytes)");
        Path in = work.resolve("layer-" + i + ".in");
        try (OutputStream o = Files.newOutputStream(in)) {
          client.blob(src, d).copyTo(o);
        }
        Path converted = work.resolve("layer-" + i + ".out");
        LayerWriteResult r = conversion.convert(in, converted);
        Files.delete(in);
        r.warnings().forEach(w -> progress.accept("warning: layer " + d.digest() + ": " + w));
        progress.accept("layer " + (i + 1) + "/" + src.layers().size() + ": pushing "
            + r.digest() + " (" + r.size() + " bytes)");
        client.pushBlob(target, BlobContent.ofFile(converted, r.digest()),
            PushOptions.monolithic());
        Files.delete(converted);
        layers.add(new Descriptor(r.mediaType(), r.digest(), r.size(), r.annotations(),
            List.of(), null));
        diffIds.add(r.diffId());
        ObjectNode lo = layersOut.addObject();
        lo.put("from", d.digest().toString());
        lo.put("fromMediaType", d.mediaType());
        lo.put("digest", r.digest().toString());
        lo.put("mediaType", r.mediaType());
        lo.put("size", r.size());
        lo.put("diffID", r.diffId().toString());
        lo.put("tocDigest", r.tocDigest().toString());
      }
      byte[] config = newConfig(src, diffIds);
      BlobContent cfg = BlobContent.ofBytes(config);
      client.pushBlob(target, cfg, PushOptions.monolithic());
      ImageManifest manifest = new ImageManifest(MediaTypes.OCI_MANIFEST,
          new Descriptor(MediaTypes.OCI_CONFIG, cfg.digest(), cfg.size()), layers,
          src.manifest().annotations());
      Digest digest = client.pushManifest(target, ManifestJson.write(manifest),
          MediaTypes.OCI_MANIFEST);
      progress.accept("pushed " + target + " (" + digest + ")");
      out.put("target", target.toString());
      out.put("manifestDigest", digest.toString());
      out.put("configDigest", cfg.digest().toString());
      out.set("layers", layersOut);
      return out;
    } finally {
      deleteTree(work);
    }
  }

  /** The source config with {@code rootfs.diff_ids} replaced (everything else kept as is). */
  static byte[] newConfig(ResolvedImage src, List<Digest> diffIds) throws IOException {
    JsonNode root = JSON.readTree(src.configBytes());
    if (!(root instanceof ObjectNode obj) || !(root.path("rootfs") instanceof ObjectNode)) {
      throw new RegistryProtocolException("config of " + src.reference()
          + " has no rootfs object");
    }
    ObjectNode rootfs = (ObjectNode) obj.get("rootfs");
    ArrayNode ids = rootfs.putArray("diff_ids");
    diffIds.forEach(d -> ids.add(d.toString()));
    return JSON.writeValueAsBytes(obj);
  }

  static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort: a temporary file
        }
      });
    } catch (IOException e) {
      // best effort
    }
  }
}
