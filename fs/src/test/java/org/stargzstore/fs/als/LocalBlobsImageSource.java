package org.stargzstore.fs.als;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Images made of local layer blobs (the shared fixtures, made by other producers) with their
 * descriptor JSON: lets the layer store be exercised end to end, FUSE included, where a registry
 * is beside the point. Counts the bytes read from each blob.
 */
final class LocalBlobsImageSource implements ImageSource {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, ResolvedImage> images = new LinkedHashMap<>();
  private final Map<Digest, Path> blobs = new HashMap<>();
  final AtomicLong bytesRead = new AtomicLong();
  final AtomicLong reads = new AtomicLong();
  final AtomicLong resolves = new AtomicLong();
  final Map<Digest, AtomicLong> bytesReadByBlob = new java.util.concurrent.ConcurrentHashMap<>();
  /** Tell the layers early (see {@link #resolve(String, EarlyLayers)}), and how to fail. */
  boolean tellEarly;
  boolean failEarlyOpen;
  boolean failConfig;
  final AtomicLong readsBeforeConfig = new AtomicLong(-1);
  final AtomicLong closes = new AtomicLong();

  /** Adds image {@code ref} whose layers are the given blobs with their fixture descriptors. */
  LocalBlobsImageSource add(String ref, List<Path> blobFiles, List<Path> descriptorFiles)
      throws IOException {
    List<LayerDescriptor> layers = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    ArrayNode ls = manifest.putArray("layers");
    for (int i = 0; i < blobFiles.size(); i++) {
      JsonNode d = JSON.readTree(Files.readAllBytes(descriptorFiles.get(i)));
      Map<String, String> ann = new LinkedHashMap<>();
      d.path("annotations").fields().forEachRemaining(e -> ann.put(e.getKey(), e.getValue().asText()));
      LayerDescriptor ld = new LayerDescriptor(d.get("mediaType").asText(),
          Digest.parse(d.get("digest").asText()), d.get("size").asLong(), ann);
      layers.add(ld);
      diffIds.add(Digest.parse(d.get("diffID").asText()));
      blobs.put(ld.digest(), blobFiles.get(i));
      ObjectNode l = ls.addObject();
      l.put("mediaType", ld.mediaType());
      l.put("digest", ld.digest().toString());
      l.put("size", ld.size());
      l.set("annotations", d.path("annotations"));
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    diffIds.forEach(x -> ids.add(x.toString()));
    byte[] cfg = JSON.writeValueAsBytes(config);
    ObjectNode c = manifest.putObject("config");
    c.put("mediaType", "application/vnd.oci.image.config.v1+json");
    c.put("digest", Digest.of(cfg).toString());
    c.put("size", cfg.length);
    byte[] man = JSON.writeValueAsBytes(manifest);
    images.put(ref, new ResolvedImage(ref, Digest.of(man), man, Digest.of(cfg), cfg, layers,
        diffIds));
    return this;
  }

  /** The image added as {@code ref} (to push it to a real registry). */
  ResolvedImage image(String ref) {
    return images.get(ref);
  }

  @Override
  public String normalize(String reference) {
    if (!reference.contains("/") || reference.contains(" ")) {
      throw new IllegalArgumentException("want a fully qualified reference");
    }
    return reference;
  }

  private ResolvedImage lookup(String reference) throws IOException {
    resolves.incrementAndGet();
    ResolvedImage r = images.get(reference);
    if (r == null) {
      throw new IOException("manifest unknown: " + reference);
    }
    return r;
  }

  /**
   * With the manifest's layers told early: waits (up to 10 s) for a read of every layer that has
   * a TOC before "fetching the config", and counts the reads that came in before it returned.
   * A config that {@code failConfig} names fails after the layers were told.
   */
  @Override
  public ResolvedImage resolve(String reference, EarlyLayers early) throws IOException {
    ResolvedImage r = lookup(reference);
    if (!tellEarly) {
      return r;
    }
    early.layersKnown(new EarlyManifest(r.manifestDigest(), r.manifest(), r.layers()), d -> {
      if (failEarlyOpen) {
        throw new IOException("early open refused by the test");
      }
      return openBlob(r, d);
    });
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!failEarlyOpen && System.nanoTime() < deadline && r.layers().stream()
        .anyMatch(d -> d.tocDigest().isPresent() && !bytesReadByBlob.containsKey(d.digest()))) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException();
      }
    }
    readsBeforeConfig.set(reads.get());
    if (failConfig) {
      throw new IOException("config blob unknown (test)");
    }
    return r;
  }

  /** Its failures are plain I/O errors, none typed: the generic reasons. */
  @Override
  public Optional<NotLazyException.Reason> fallbackReason(Throwable failure) {
    return Optional.empty();
  }

  @Override
  public BlobSource openBlob(ResolvedImage image, LayerDescriptor layer) throws IOException {
    Path p = blobs.get(layer.digest());
    FileRangeSource f = FileRangeSource.open(p);
    return BlobSource.of(new org.stargzstore.types.io.RangeSource() {
      @Override
      public long size() throws IOException {
        return f.size();
      }

      @Override
      public void readFully(long offset, byte[] dst, int dstOffset, int length)
          throws IOException {
        f.readFully(offset, dst, dstOffset, length);
        reads.incrementAndGet();
        bytesRead.addAndGet(length);
        bytesReadByBlob.computeIfAbsent(layer.digest(), k -> new AtomicLong()).addAndGet(length);
      }

      @Override
      public String describe() {
        return layer.digest().shortHex() + " (" + p.getFileName() + ")";
      }

      @Override
      public void close() throws IOException {
        closes.incrementAndGet();
        f.close();
      }
    });
  }
}
