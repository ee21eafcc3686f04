package org.stargzstore.fs.remote;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.stargzstore.fs.als.ImageSource;
import org.stargzstore.fs.als.IndexInstance;
import org.stargzstore.fs.als.NotLazyException;
import org.stargzstore.fs.als.ResolvedImage;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.RegistryBlob;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageIndex;
import org.stargzstore.registry.manifest.ManifestParser;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.types.LayerDescriptor;

/**
 * The layer store's view of the registry client: reference normalisation, image resolution for
 * this node's platform, and layer blobs as range sources that can also stream long runs. With
 * {@link RegistryBlobSource} and {@link LayerDescriptors}, the one adapter between {@code fs} and
 * the registry client: nothing else in {@code fs} imports the client (but
 * {@link ProfileArtifacts}, the access profiles kept beside an image).
 */
public final class RegistryImageSource implements ImageSource {
  private final RegistryClient client;
  private final Duration readTimeout;
  /** By reference and manifest digest: an index's reference has one per platform asked for. */
  private final ConcurrentHashMap<String, org.stargzstore.registry.ResolvedImage> resolved =
      new ConcurrentHashMap<>();

  /**
   * @param readTimeout deadline of each read of a blob and of each stream of its chunks, retries
   *     and resumes included (the daemon's {@code read_timeout})
   */
  public RegistryImageSource(RegistryClient client, Duration readTimeout) {
    this.client = client;
    this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
  }
  @Override
  public java.util.Optional<org.stargzstore.fs.profile.ProfileRegistry> profileRegistry() {
    return java.util.Optional.of(new ProfileArtifacts(client));
  }


  @Override
  public String normalize(String reference) {
    return client.normalize(reference).toString();
  }

  @Override
  public ResolvedImage resolve(String reference, EarlyLayers early) throws IOException {
    ImageReference ref = client.normalize(reference);
    org.stargzstore.registry.ResolvedImage r;
    try {
      r = client.resolve(ref, (served, manifest, layerBlob) -> early.layersKnown(
          new EarlyManifest(served.digest(), served.bytes(),
              LayerDescriptors.of(manifest.layers())), layer -> {
            Descriptor d = descriptorOf(manifest.layers(), layer).orElseThrow(() ->
                new IOException(layer.digest() + " is not a layer of " + reference));
            return blobSource(layerBlob.apply(d));
          }));
    } catch (RegistryException e) {
      throw new IOException(e.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
          + ": " + e.getMessage(), e);
    }
    return keep(reference, r);
  }

  @Override
  public List<IndexInstance> indexInstances(String reference) throws IOException {
    ImageReference ref = client.normalize(reference);
    try {
      var m = client.pullManifest(ref);
      if (!(ManifestParser.parse(m.bytes(), m.mediaType(), "manifest of " + ref)
          instanceof ImageIndex index)) {
        return List.of();
      }
      return index.manifests().stream()
          .filter(d -> MediaTypes.isImageManifest(d.mediaType()))
          .map(d -> new IndexInstance(d.platformOptional().map(String::valueOf)
              .orElse("no platform"), d.digest()))
          .toList();
    } catch (RegistryException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Override
  public ResolvedImage resolveInstance(String reference, IndexInstance instance)
      throws IOException {
    ImageReference ref = client.normalize(reference).withDigest(instance.manifestDigest());
    try {
      return keep(reference, client.resolve(ref));
    } catch (RegistryException e) {
      throw new IOException("resolving the " + instance + " image of " + reference + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public Optional<NotLazyException.Reason> fallbackReason(Throwable failure) {
    return RegistryFailureReasons.forFailure(failure);
  }

  @Override
  public String platform() {
    return client.config().platform().toString();
  }

  private ResolvedImage keep(String reference, org.stargzstore.registry.ResolvedImage r) {
    resolved.put(key(reference, r.manifestDigest()), r);
    return new ResolvedImage(reference, r.manifestDigest(), r.manifestBytes(), r.configDigest(),
        r.configBytes(), LayerDescriptors.of(r.layers()), r.diffIds());
  }

  private static String key(String reference, org.stargzstore.types.Digest manifest) {
    return reference + " " + manifest;
  }

  @Override
  public BlobSource openBlob(ResolvedImage image, LayerDescriptor layer) throws IOException {
    org.stargzstore.registry.ResolvedImage r =
        resolved.get(key(image.reference(), image.manifestDigest()));
    RegistryBlob blob;
    try {
      // through the resolved image, so the blob is read from the mirror that served the manifest
      Descriptor d = r == null ? null : descriptorOf(r.layers(), layer).orElse(null);
      blob = d != null
          ? client.blob(r, d)
          : client.blob(client.normalize(image.reference()), layer.digest(), layer.size());
    } catch (RegistryException e) {
      throw new IOException(e.getMessage(), e);
    }
    return blobSource(blob);
  }

  private static Optional<Descriptor> descriptorOf(List<Descriptor> layers,
      LayerDescriptor layer) {
    return layers.stream().filter(x -> x.digest().equals(layer.digest())).findFirst();
  }

  private BlobSource blobSource(RegistryBlob blob) {
    return new RegistryBlobSource(blob, readTimeout);
  }

  @Override
  public java.util.Map<String, Long> networkCounters() {
    return client.stats().snapshot().asMap();
  }
}
