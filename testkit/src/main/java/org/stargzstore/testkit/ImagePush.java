package org.stargzstore.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Pushes an image whose layer blobs were written locally (by a writer under test) to a registry
 * over plain HTTP, with the OCI distribution upload protocol (POST an upload, PUT it with its
 * digest, PUT the manifest). Test-only: no auth, no chunked upload, no retries.
 */
public final class ImagePush {
  /** A layer to push: its blob, media type, annotations and the diffID for the config. */
  public record Layer(Path blob, String mediaType, Map<String, String> annotations,
      String diffId) {}

  /** A manifest pushed for one platform: what an index entry says about it. */
  public record Pushed(String digest, long size, String os, String architecture) {}

  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI base;
  private final HttpClient http = HttpClient.newHttpClient();

  /** @param base {@code http://host:port} of the registry */
  public ImagePush(URI base) {
    this.base = base;
  }

  /** Pushes the layers and a config running {@code cmd}; returns the manifest digest. */
  public String push(String repo, String tag, List<Layer> layers, List<String> cmd)
      throws IOException, InterruptedException {
    return push(repo, tag, layers, cmd, "linux", "amd64").digest();
  }

  /** As {@link #push(String, String, List, List)} with a config for {@code os/architecture}. */
  public Pushed push(String repo, String tag, List<Layer> layers, List<String> cmd, String os,
      String architecture) throws IOException, InterruptedException {
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", architecture);
    config.put("os", os);
    ObjectNode cfg = config.putObject("config");
    ArrayNode c = cfg.putArray("Cmd");
    cmd.forEach(c::add);
    cfg.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    ArrayNode ls = manifest.putArray("layers");
    for (Layer l : layers) {
      String digest = uploadFile(repo, l.blob());
      ObjectNode d = ls.addObject();
      d.put("mediaType", l.mediaType());
      d.put("digest", digest);
      d.put("size", Files.size(l.blob()));
      if (!l.annotations().isEmpty()) {
        ObjectNode a = d.putObject("annotations");
        l.annotations().forEach(a::put);
      }
      diffIds.add(l.diffId());
    }
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = upload(repo, HttpRequest.BodyPublishers.ofByteArray(configBytes),
        sha256(configBytes));
    ObjectNode cd = manifest.putObject("config");
    cd.put("mediaType", "application/vnd.oci.image.config.v1+json");
    cd.put("digest", configDigest);
    cd.put("size", configBytes.length);
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    putManifest(repo, tag, OCI_MANIFEST, manifestBytes);
    return new Pushed(sha256(manifestBytes), manifestBytes.length, os, architecture);
  }

  /**
   * Pushes an OCI image index of {@code manifests} (already pushed to {@code repo}, e.g. by
   * {@link #push(String, String, List, List, String, String)}) as {@code repo:tag}: a
   * multi-platform image. Returns the index digest.
   */
  public String pushIndex(String repo, String tag, List<Pushed> manifests)
      throws IOException, InterruptedException {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", OCI_INDEX);
    ArrayNode entries = index.putArray("manifests");
    for (Pushed m : manifests) {
      ObjectNode e = entries.addObject();
      e.put("mediaType", OCI_MANIFEST);
      e.put("digest", m.digest());
      e.put("size", m.size());
      ObjectNode platform = e.putObject("platform");
      platform.put("architecture", m.architecture());
      platform.put("os", m.os());
    }
    byte[] bytes = JSON.writeValueAsBytes(index);
    putManifest(repo, tag, OCI_INDEX, bytes);
    return sha256(bytes);
  }

  private void putManifest(String repo, String tag, String mediaType, byte[] bytes)
      throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(base.resolve("/v2/" + repo + "/manifests/" + tag))
        .header("Content-Type", mediaType)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), 201);
  }

  private String uploadFile(String repo, Path blob) throws IOException, InterruptedException {
    MessageDigest md = digest();
    try (var in = Files.newInputStream(blob)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    String digest = "sha256:" + HexFormat.of().formatHex(md.digest());
    return upload(repo, HttpRequest.BodyPublishers.ofFile(blob), digest);
  }

  private String upload(String repo, HttpRequest.BodyPublisher body, String digest)
      throws IOException, InterruptedException {
    HttpResponse<String> start = send(HttpRequest.newBuilder(
        base.resolve("/v2/" + repo + "/blobs/uploads/"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), 202);
    String location = start.headers().firstValue("Location")
        .orElseThrow(() -> new IOException("upload without Location"));
    URI loc = base.resolve(location);
    String sep = loc.getQuery() == null ? "?" : "&";
    send(HttpRequest.newBuilder(URI.create(loc + sep + "digest=" + digest))
        .header("Content-Type", "application/octet-stream").PUT(body).build(), 201);
    return digest;
  }

  private HttpResponse<String> send(HttpRequest req, int want)
      throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != want) {
      throw new IOException(req.method() + " " + req.uri() + ": HTTP " + r.statusCode() + " "
          + r.body());
    }
    return r;
  }

  private static String sha256(byte[] b) {
    return "sha256:" + HexFormat.of().formatHex(digest().digest(b));
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
