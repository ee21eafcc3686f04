package org.stargzstore.fs.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.stargzstore.types.Digest;

/**
 * The references containers/storage holds on layers through the ALS {@code use} file and
 * releases with {@code rmdir}: a count per (image reference, layer). Persisted on every change
 * (one small file per layer, written atomically and fsynced), so a restarted daemon still knows
 * what is in use, never collects it, and answers a later {@code rmdir} correctly.
 */
public final class References {
  private static final Logger LOG = Logger.getLogger(References.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final StoreLayout layout;
  private final ConcurrentHashMap<Digest, LayerRefs> byLayer = new ConcurrentHashMap<>();

  /** The references on one layer: count per image reference, and when the last one went. */
  public record LayerRefs(Map<String, Integer> counts, Instant releasedAt) {
    public LayerRefs {
      counts = Map.copyOf(counts);
    }

    public int total() {
      return counts.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private References(StoreLayout layout) {
    this.layout = layout;
  }

  /** Loads every persisted reference file under the store. */
  public static References load(StoreLayout layout) throws IOException {
    References r = new References(layout);
    layout.createDirectories();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(layout.layersDir(), "*.refs.json")) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        try {
          Digest d = new Digest(name.substring(0, name.indexOf('.')));
          r.byLayer.put(d, read(p));
        } catch (IOException | RuntimeException e) {
          LOG.warning("ignoring unreadable reference file " + p + ": " + e.getMessage());
        }
      }
    }
    return r;
  }

  @SuppressWarnings("unchecked")
  private static LayerRefs read(Path p) throws IOException {
    Map<String, Object> m = JSON.readValue(Files.readAllBytes(p), MAP);
    Map<String, Integer> counts = new TreeMap<>();
    Object c = m.get("refs");
    if (c instanceof Map<?, ?> cm) {
      ((Map<String, Object>) cm).forEach((k, v) -> counts.put(k, ((Number) v).intValue()));
    }
    Object ts = m.get("releasedAt");
    return new LayerRefs(counts, ts instanceof String s ? Instant.parse(s) : null);
  }

  private Path file(Digest layer) {
    return layout.layersDir().resolve(layer.hex() + ".refs.json");
  }

  /** Takes one reference; returns the layer's new total. */
  public int acquire(String imageRef, Digest layer) throws IOException {
    return update(layer, imageRef, +1);
  }

  /**
   * Drops one reference; returns the layer's new total, or -1 if there was none to drop (a
   * release the daemon never saw taken: logged by the caller, not an error for podman).
   */
  public int release(String imageRef, Digest layer) throws IOException {
    return update(layer, imageRef, -1);
  }

  private int update(Digest layer, String imageRef, int delta) throws IOException {
    IOException[] failure = new IOException[1];
    int[] result = new int[1];
    byLayer.compute(layer, (k, cur) -> {
      Map<String, Integer> counts = new TreeMap<>(cur == null ? Map.of() : cur.counts());
      int n = counts.getOrDefault(imageRef, 0) + delta;
      if (n < 0) {
        result[0] = -1;
        return cur;
      }
      if (n == 0) {
        counts.remove(imageRef);
      } else {
        counts.put(imageRef, n);
      }
      int total = counts.values().stream().mapToInt(Integer::intValue).sum();
      Instant released = total == 0 ? Instant.now() : null;
      LayerRefs next = new LayerRefs(counts, released);
      try {
        persist(layer, next);
      } catch (IOException e) {
        failure[0] = e;
        return cur;
      }
      result[0] = total;
      return next;
    });
    if (failure[0] != null) {
      throw failure[0];
    }
    return result[0];
  }

  private void persist(Digest layer, LayerRefs refs) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("layer", layer.toString());
    m.put("refs", refs.counts());
    if (refs.releasedAt() != null) {
      m.put("releasedAt", refs.releasedAt().toString());
    }
    AtomicFiles.write(layout.tmpDir(), file(layer), JSON.writeValueAsBytes(m), true);
  }

  /**
   * Deletes the layer's reference file if nobody holds a reference on it; returns false (and
   * keeps the file) if someone does. For forgetting a layer whose content was collected.
   */
  public boolean forgetIfUnreferenced(Digest layer) throws IOException {
    IOException[] failure = new IOException[1];
    boolean[] forgotten = new boolean[1];
    byLayer.compute(layer, (k, cur) -> {
      if (cur != null && cur.total() > 0) {
        return cur;
      }
      try {
        Files.deleteIfExists(file(layer));
      } catch (IOException e) {
        failure[0] = e;
        return cur;
      }
      forgotten[0] = true;
      return null;
    });
    if (failure[0] != null) {
      throw failure[0];
    }
    return forgotten[0];
  }

  /** The references on one layer (empty counts if none). */
  public LayerRefs get(Digest layer) {
    LayerRefs r = byLayer.get(layer);
    return r == null ? new LayerRefs(Map.of(), null) : r;
  }

  /** A snapshot of every layer with reference state. */
  public Map<Digest, LayerRefs> snapshot() {
    return Map.copyOf(byLayer);
  }
}
