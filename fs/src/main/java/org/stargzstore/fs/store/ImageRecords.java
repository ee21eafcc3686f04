package org.stargzstore.fs.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * How each image reference resolved, kept so that a restarted daemon serves it without asking
 * the registry: the manifest and config bytes live in the content store (by digest), the record
 * (one small JSON file per reference, under {@code meta/images/}) holds their digests and the
 * layer descriptors and diff IDs. Deleting an image is deleting its record.
 */
public final class ImageRecords {
  private static final Logger LOG = Logger.getLogger(ImageRecords.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One resolved image as stored. */
  public record ImageRecord(String reference, Digest manifestDigest, Digest configDigest,
      List<LayerDescriptor> layers, List<Digest> diffIds, Instant resolvedAt) {
    public ImageRecord {
      layers = List.copyOf(layers);
      diffIds = List.copyOf(diffIds);
    }
  }

  private final StoreLayout layout;
  private final ContentStore content;

  public ImageRecords(StoreLayout layout, ContentStore content) throws IOException {
    this.layout = layout;
    this.content = content;
    layout.createDirectories();
  }

  private Path file(String reference) {
    return layout.imagesDir().resolve(
        Digest.of(reference.getBytes(StandardCharsets.UTF_8)).hex() + ".json");
  }

  /** Stores the manifest and config blobs and the record. */
  public void put(ImageRecord r, byte[] manifest, byte[] config) throws IOException {
    content.put(r.manifestDigest(), manifest, 0, manifest.length);
    content.put(r.configDigest(), config, 0, config.length);
    ObjectNode n = JSON.createObjectNode();
    n.put("reference", r.reference());
    n.put("manifest", r.manifestDigest().toString());
    n.put("config", r.configDigest().toString());
    n.put("resolvedAt", r.resolvedAt().toString());
    ArrayNode ls = n.putArray("layers");
    for (int i = 0; i < r.layers().size(); i++) {
      LayerDescriptor d = r.layers().get(i);
      ObjectNode l = ls.addObject();
      l.put("mediaType", d.mediaType());
      l.put("digest", d.digest().toString());
      l.put("size", d.size());
      l.put("diffID", r.diffIds().get(i).toString());
      ObjectNode ann = l.putObject("annotations");
      d.annotations().forEach(ann::put);
    }
    AtomicFiles.write(layout.tmpDir(), file(r.reference()), JSON.writeValueAsBytes(n), true);
  }

  /** The record of {@code reference}, if stored and readable. */
  public Optional<ImageRecord> get(String reference) {
    try {
      return Optional.of(parse(Files.readAllBytes(file(reference))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.warning("unreadable image record of " + reference + " (" + e.getMessage()
          + "): it will be resolved again");
      return Optional.empty();
    }
  }

  /** The stored manifest and config bytes of a record (verified); empty if collected. */
  public Optional<byte[][]> blobs(ImageRecord r) {
    try {
      return Optional.of(new byte[][] {content.readAll(r.manifestDigest()),
          content.readAll(r.configDigest())});
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Every stored record (for reports and garbage collection). */
  public List<ImageRecord> all() throws IOException {
    List<ImageRecord> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(layout.imagesDir(), "*.json")) {
      for (Path p : s) {
        try {
          out.add(parse(Files.readAllBytes(p)));
        } catch (IOException | RuntimeException e) {
          LOG.warning("ignoring unreadable image record " + p + ": " + e.getMessage());
        }
      }
    }
    return out;
  }

  public void remove(String reference) throws IOException {
    Files.deleteIfExists(file(reference));
  }

  private static ImageRecord parse(byte[] json) throws IOException {
    JsonNode n = JSON.readTree(json);
    List<LayerDescriptor> layers = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (JsonNode l : n.path("layers")) {
      Map<String, String> ann = new LinkedHashMap<>();
      l.path("annotations").fields().forEachRemaining(e -> ann.put(e.getKey(), e.getValue().asText()));
      layers.add(new LayerDescriptor(l.path("mediaType").asText(),
          Digest.parse(l.path("digest").asText()), l.path("size").asLong(), ann));
      diffIds.add(Digest.parse(l.path("diffID").asText()));
    }
    return new ImageRecord(n.path("reference").asText(), Digest.parse(n.path("manifest").asText()),
        Digest.parse(n.path("config").asText()), layers, diffIds,
        Instant.parse(n.path("resolvedAt").asText()));
  }
}
