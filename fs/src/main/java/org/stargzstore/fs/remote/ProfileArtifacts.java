package org.stargzstore.fs.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.stargzstore.fs.profile.LayerProfile;
import org.stargzstore.fs.profile.ProfileJson;
import org.stargzstore.fs.profile.ProfileRegistry;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.ManifestResponse;
import org.stargzstore.registry.PushOptions;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.errors.RegistryNotFoundException;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.types.Digest;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * Access profiles kept in a registry beside the image they were recorded for, so another node's
 * first cold start of the image can use them: an OCI 1.1 artifact (artifactType
 * {@link ProfileJson#MEDIA_TYPE}, the profile as its one blob) whose {@code subject} is the
 * image manifest. Found through the referrers API, or, on a registry without it (Distribution
 * 2.8), the referrers tag {@code sha256-HEX} holding an image index of referrers, which a push
 * updates. Everything read is digest-verified, bounded and checked to refer to the image.
 */
public final class ProfileArtifacts implements ProfileRegistry {
  /** The OCI empty descriptor's content, the config of an artifact without one. */
  private static final String EMPTY_TYPE = "application/vnd.oci.empty.v1+json";
  private static final byte[] EMPTY = "{}".getBytes(StandardCharsets.UTF_8);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** When the artifact was made: how the newest of several referrers is chosen. */
  static final String CREATED = "org.opencontainers.image.created";

  private final RegistryClient client;

  public ProfileArtifacts(RegistryClient client) {
    this.client = client;
  }

  /**
   * Pushes {@code profiles} as an artifact referring to {@code subject} and lists it under the
   * referrers tag if the registry has no referrers API.
   *
   * @throws IOException if a push is refused (no write permission, 401/403/405) or fails
   */
  @Override
  public void publish(Subject subject, List<LayerProfile> profiles) throws IOException {
    ImageReference repo = repository(subject.reference());
    byte[] blob = ProfileJson.write(profiles);
    client.pushBlob(repo, BlobContent.ofBytes(EMPTY), PushOptions.monolithic());
    client.pushBlob(repo, BlobContent.ofBytes(blob), PushOptions.monolithic());
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.put("artifactType", ProfileJson.MEDIA_TYPE);
    m.set("config", descriptor(EMPTY_TYPE, Digest.of(EMPTY), EMPTY.length));
    m.putArray("layers").add(descriptor(ProfileJson.MEDIA_TYPE, Digest.of(blob), blob.length));
    m.set("subject", descriptor(subject.mediaType(), subject.digest(), subject.size()));
    String created = Instant.now().toString();
    m.putObject("annotations").put(CREATED, created);
    byte[] manifest = JSON.writeValueAsBytes(m);
    Digest md = Digest.of(manifest);
    client.pushManifest(repo.withDigest(md), manifest, MediaTypes.OCI_MANIFEST);
    if (client.referrers(repo, subject.digest(), null).isEmpty()) {
      addToReferrersTag(repo, subject.digest(), md, manifest.length, created);
    }
  }

  /**
   * The profiles published for {@code subject} (the newest artifact), if any.
   *
   * @throws IOException if the registry fails, or what it has is not a valid profile of this
   *     image (the message says why)
   */
  @Override
  public Optional<List<LayerProfile>> fetch(Subject subject) throws IOException {
    try {
      return fetchChecked(subject);
    } catch (IllegalArgumentException e) {
      throw new IOException("access profile of " + subject.reference() + ": " + e.getMessage(),
          e);
    }
  }

  private Optional<List<LayerProfile>> fetchChecked(Subject subject) throws IOException {
    ImageReference repo = repository(subject.reference());
    Optional<JsonNode> index = referrers(repo, subject.digest());
    if (index.isEmpty()) {
      return Optional.empty();
    }
    Optional<JsonNode> found = newest(index.get());
    if (found.isEmpty()) {
      return Optional.empty();
    }
    JsonNode newest = found.get();
    Digest md = Digest.parse(newest.path("digest").asText());
    String where = repo.name() + "@" + md;
    ManifestResponse r = client.pullManifest(repo.withDigest(md));
    JsonNode m = JSON.readTree(r.bytes());
    if (!subject.digest().toString().equals(m.path("subject").path("digest").asText(null))) {
      throw new IOException("access profile artifact " + where + " does not refer to "
          + subject.reference() + " (" + subject.digest() + ")");
    }
    JsonNode layer = m.path("layers").path(0);
    if (!ProfileJson.MEDIA_TYPE.equals(layer.path("mediaType").asText(null))) {
      throw new IOException("access profile artifact " + where + " has no "
          + ProfileJson.MEDIA_TYPE + " blob");
    }
    long size = layer.path("size").asLong(-1);
    if (size < 0 || size > ProfileJson.MAX_BYTES) {
      throw new IOException("access profile artifact " + where + ": blob of " + size
          + " bytes refused (at most " + ProfileJson.MAX_BYTES + ")");
    }
    Digest bd = Digest.parse(layer.path("digest").asText());
    byte[] blob = client.blob(repo, bd, size).readAllVerified(ProfileJson.MAX_BYTES);
    return Optional.of(ProfileJson.read(blob, "access profile " + repo.name() + "@" + bd));
  }

  /**
   * The newest profile artifact of a referrers list: the greatest {@link #CREATED} annotation
   * (the referrers API lists in no defined order, and every publication of a changed profile
   * adds one), the later in the list on a tie or without one.
   */
  static Optional<JsonNode> newest(JsonNode index) {
    JsonNode newest = null;
    Instant newestAt = Instant.MIN;
    for (JsonNode d : index.path("manifests")) {
      if (!ProfileJson.MEDIA_TYPE.equals(d.path("artifactType").asText(null))) {
        continue;
      }
      Instant at = created(d);
      if (newest == null || !at.isBefore(newestAt)) {
        newest = d;
        newestAt = at;
      }
    }
    return Optional.ofNullable(newest);
  }

  private static Instant created(JsonNode descriptor) {
    String s = descriptor.path("annotations").path(CREATED).asText("");
    try {
      return s.isEmpty() ? Instant.MIN : Instant.parse(s);
    } catch (DateTimeParseException e) {
      return Instant.MIN;
    }
  }

  /**
   * The referrers of {@code subject}: the referrers API and the referrers tag are asked at once
   * (the tag on a thread of its own), so a registry without the API (404) costs one round trip,
   * not two; the tag's answer is used only if the API has none.
   */
  private Optional<JsonNode> referrers(ImageReference repo, Digest subject) throws IOException {
    CompletableFuture<Optional<byte[]>> tag = new CompletableFuture<>();
    DaemonThreadFactory.named("profile-referrers-tag").newThread(() -> {
      try {
        tag.complete(Optional.of(client.pullManifest(referrersTag(repo, subject)).bytes()));
      } catch (RegistryNotFoundException e) {
        tag.complete(Optional.empty());
      } catch (IOException | RuntimeException e) {
        tag.completeExceptionally(e);
      }
    }).start();
    Optional<byte[]> api = client.referrers(repo, subject, ProfileJson.MEDIA_TYPE);
    if (api.isPresent()) {
      return Optional.of(JSON.readTree(api.get()));
    }
    try {
      Optional<byte[]> index = tag.get();
      return index.isEmpty() ? Optional.empty() : Optional.of(JSON.readTree(index.get()));
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io
          : new IOException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted reading the referrers tag of "
          + repo.name());
    }
  }

  private void addToReferrersTag(ImageReference repo, Digest subject, Digest manifest,
      long size, String created) throws IOException {
    ImageReference tag = referrersTag(repo, subject);
    ObjectNode index;
    try {
      index = (ObjectNode) JSON.readTree(client.pullManifest(tag).bytes());
    } catch (RegistryNotFoundException e) {
      index = JSON.createObjectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
    }
    ArrayNode kept = JSON.createArrayNode();
    for (JsonNode d : index.path("manifests")) {
      // an older profile of ours is replaced: the new one was merged from it
      if (!ProfileJson.MEDIA_TYPE.equals(d.path("artifactType").asText(null))) {
        kept.add(d);
      }
    }
    ObjectNode d = descriptor(MediaTypes.OCI_MANIFEST, manifest, size);
    d.put("artifactType", ProfileJson.MEDIA_TYPE);
    d.putObject("annotations").put(CREATED, created);
    kept.add(d);
    index.set("manifests", kept);
    client.pushManifest(tag, JSON.writeValueAsBytes(index), MediaTypes.OCI_INDEX);
  }

  /** The OCI 1.1 referrers tag schema: {@code sha256-HEX} of the subject. */
  static ImageReference referrersTag(ImageReference repo, Digest subject) {
    return new ImageReference(repo.registry(), repo.repository(),
        Digest.ALGORITHM + "-" + subject.hex(), null);
  }

  private ImageReference repository(String reference) {
    return client.normalize(reference);
  }

  private static ObjectNode descriptor(String mediaType, Digest digest, long size) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", digest.toString());
    d.put("size", size);
    return d;
  }
}
