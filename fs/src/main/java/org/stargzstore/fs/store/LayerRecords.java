package org.stargzstore.fs.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.logging.Logger;
import org.stargzstore.types.Digest;

/**
 * The descriptor cache: layer digest to {@link LayerRecord}, bounded in memory and persisted one
 * small JSON file per layer, written atomically. A missing or unreadable record only costs a
 * refetch of the TOC, so damage is logged and ignored.
 */
public final class LayerRecords {
  private static final Logger LOG = Logger.getLogger(LayerRecords.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final StoreLayout layout;
  private final Cache<Digest, LayerRecord> memory;

  public LayerRecords(StoreLayout layout, long maxInMemory) throws IOException {
    this.layout = layout;
    layout.createDirectories();
    this.memory = Caffeine.newBuilder().maximumSize(maxInMemory).build();
  }

  public Optional<LayerRecord> get(Digest layer) {
    LayerRecord r = memory.getIfPresent(layer);
    if (r != null) {
      return Optional.of(r);
    }
    try {
      r = JSON.readValue(Files.readAllBytes(layout.layerRecord(layer)), LayerRecord.class);
      if (!layer.toString().equals(r.digest())) {
        LOG.warning("layer record " + layout.layerRecord(layer) + " names " + r.digest()
            + ": ignoring it");
        return Optional.empty();
      }
      memory.put(layer, r);
      return Optional.of(r);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warning("unreadable layer record " + layout.layerRecord(layer) + " (" + e.getMessage()
          + "): the TOC will be fetched again");
      return Optional.empty();
    }
  }

  public void put(LayerRecord r) throws IOException {
    Digest d = Digest.parse(r.digest());
    AtomicFiles.write(layout.tmpDir(), layout.layerRecord(d), JSON.writeValueAsBytes(r), true);
    memory.put(d, r);
  }

  /** Every stored layer record (a directory scan, for reports). */
  public java.util.List<LayerRecord> all() throws IOException {
    java.util.List<LayerRecord> out = new java.util.ArrayList<>();
    try (java.nio.file.DirectoryStream<java.nio.file.Path> s = Files.newDirectoryStream(
        layout.layersDir(), p -> {
          String n = p.getFileName().toString();
          return n.endsWith(".json") && !n.endsWith(".refs.json");
        })) {
      for (java.nio.file.Path p : s) {
        String n = p.getFileName().toString();
        try {
          get(new Digest(n.substring(0, n.length() - 5))).ifPresent(out::add);
        } catch (IllegalArgumentException e) {
          // not a record name
        }
      }
    }
    return out;
  }

  public void remove(Digest layer) throws IOException {
    memory.invalidate(layer);
    Files.deleteIfExists(layout.layerRecord(layer));
  }
}
