package org.stargzstore.daemon.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerOpener;
import org.stargzstore.estargz.layer.OpenedLayer;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.fs.als.ImageSource;
import org.stargzstore.fs.als.ResolvedImage;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.profile.ProfileRegistry;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.zstdchunked.LayerFormats;
import org.stargzstore.zstdchunked.writer.LayerConversion;

/**
 * Runs the registry client's first-pull code paths before the daemon reports ready, against a
 * throw-away registry on the loopback: the scheme race of an insecure host's first request, the
 * manifest (with its failing TLS handshake), the config, a layer's TOC read early and its chunk
 * stream, the access profile lookup's two 404s. In a fresh JVM these cost the first image 100 to 300 ms of
 * class loading and interpretation on the path from podman's first lookup to the first range
 * request for file data (docs/benchmarks.md, "Critical path of a cold start"). Uses its own
 * client (nothing of the daemon's registries, credentials or connections is touched); best
 * effort: failures are only logged.
 */
final class RegistryWarmup {
  private static final Logger LOG = Logger.getLogger(RegistryWarmup.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REPOSITORY = "stargz-registry-storage/warmup";

  private RegistryWarmup() {}

  /** Whether the whole round ran (for tests; the daemon only logs). */
  static boolean run(Path tmpDir) {
    long t0 = System.nanoTime();
    Path blobFile = null;
    LoopbackRegistry server = null;
    try {
      blobFile = Files.createTempFile(tmpDir, "warmup-registry-", ".blob");
      LayerWriteResult layer = LayerConversion.builder(LayerConversion.Format.ESTARGZ).build()
          .convert(new ByteArrayInputStream(Warmup.tinyTar()), "warmup", blobFile);
      byte[] blob = Files.readAllBytes(blobFile);
      byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
          + "\"layers\",\"diff_ids\":[\"" + layer.diffId() + "\"]}}")
          .getBytes(StandardCharsets.UTF_8);
      byte[] manifest = manifest(layer, config);
      server = LoopbackRegistry.start(REPOSITORY, manifest,
          Map.of(Digest.of(config), config, layer.digest(), blob));
      String host = server.host();
      RegistryClientConfig cfg = RegistryClientConfig.builder()
          .insecureHosts(List.of(host)).build();
      try (RegistryClient client = RegistryClient.create(cfg)) {
        pull(new RegistryImageSource(client, Duration.ofSeconds(10)), host + "/" + REPOSITORY
            + ":1", manifest);
      }
      LOG.fine(() -> "registry client warmed up in " + (System.nanoTime() - t0) / 1_000_000
          + " ms");
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.fine(() -> "registry client warm-up skipped: " + e);
      return false;
    } finally {
      if (server != null) {
        server.close();
      }
      if (blobFile != null) {
        try {
          Files.deleteIfExists(blobFile);
        } catch (IOException e) {
          // in the store's tmp/, which is emptied at start
        }
      }
    }
  }

  /** What a first pull does: resolve, TOC read, one chunk stream, the profile lookup. */
  private static void pull(ImageSource source, String reference, byte[] manifest)
      throws IOException {
    ResolvedImage image = source.resolve(source.normalize(reference), (early, blobs) -> { });
    LayerDescriptor d = image.layers().get(0);
    try (BlobSource blob = source.openBlob(image, d)) {
      OpenedLayer opened = LayerOpener.open(blob, LayerFormats.options().descriptor(d).build());
      for (LayerEntry e : opened.index().entries()) {
        if (e.isRegular() && !e.chunks().isEmpty()) {
          Chunk c = e.chunks().get(0);
          try (InputStream in = blob.openStream(c.compressedOffset(),
              c.compressedEnd() - c.compressedOffset())) {
            in.readAllBytes();
          }
          break;
        }
      }
    }
    ProfileRegistry profiles = source.profileRegistry().orElseThrow();
    if (profiles.fetch(new ProfileRegistry.Subject(image.reference(), image.manifestDigest(),
        manifest.length, "application/vnd.oci.image.manifest.v1+json")).isPresent()) {
      throw new IOException("the warm-up registry has no access profile");
    }
  }

  private static byte[] manifest(LayerWriteResult layer, byte[] config) throws IOException {
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    ObjectNode c = m.putObject("config");
    c.put("mediaType", "application/vnd.oci.image.config.v1+json");
    c.put("digest", Digest.of(config).toString());
    c.put("size", config.length);
    ObjectNode l = m.putArray("layers").addObject();
    l.put("mediaType", layer.mediaType());
    l.put("digest", layer.digest().toString());
    l.put("size", layer.size());
    ObjectNode a = l.putObject("annotations");
    layer.annotations().forEach(a::put);
    return JSON.writeValueAsBytes(m);
  }
}
