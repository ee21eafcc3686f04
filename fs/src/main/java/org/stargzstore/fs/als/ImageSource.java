package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Where images come from: the registry client in the daemon. The layer store depends on this
 * boundary only, so it never sees HTTP, credentials or mirrors.
 */
public interface ImageSource {

  /**
   * Normalises a reference the way containers/image does ({@code busybox} ->
   * {@code docker.io/library/busybox:latest}).
   *
   * @throws IllegalArgumentException with the reason if it is not a valid reference
   */
  String normalize(String reference);

  /** Resolves a normalised reference to this node's image (fetching manifest and config). */
  default ResolvedImage resolve(String reference) throws IOException {
    return resolve(reference, EarlyLayers.NONE);
  }

  /**
   * As {@link #resolve(String)}, telling {@code early} the image's layers as soon as its
   * manifest is in (before the config), so their TOCs can be read during the config's round
   * trip. (Abstract, so that a delegating source cannot silently drop the early layers.)
   */
  ResolvedImage resolve(String reference, EarlyLayers early) throws IOException;

  /**
   * The images of the multi-platform index that {@code reference} names, in index order; empty if
   * it names a single image. Asked only when podman wants a layer that is not in the image
   * {@link #resolve} chose for this node's platform. (A delegating source must pass this and
   * {@link #resolveInstance} on, or other platforms fall back to full pulls.)
   */
  default List<IndexInstance> indexInstances(String reference) throws IOException {
    return List.of();
  }

  /**
   * Resolves one image of {@code reference}'s index (manifest by digest, then its config). The
   * result keeps {@code reference} as its reference: it is what podman asked under.
   */
  default ResolvedImage resolveInstance(String reference, IndexInstance instance)
      throws IOException {
    throw new IOException(reference + " has no other platforms here");
  }

  /** The platform {@link #resolve} chooses from an index, for messages (e.g. linux/amd64). */
  default String platform() {
    return "this node's platform";
  }

  /**
   * The fallback reason for a failure of this source (resolving an image, listing an index,
   * reading a layer's blob or TOC), by what failed: {@code status} then tells expired
   * credentials from a deleted tag or an overloaded registry. Empty if the source did not type
   * the failure: the caller counts its generic reason ({@code registry-error} for a
   * resolution, {@code bad-layer} for a layer). (Abstract, so that a delegating source cannot
   * silently drop the reasons.)
   */
  Optional<NotLazyException.Reason> fallbackReason(Throwable failure);

  /** Random and streaming access to one layer blob of {@code image}. */
  BlobSource openBlob(ResolvedImage image, LayerDescriptor layer) throws IOException;

  /**
   * What reaching the images has cost on the network so far (requests, bytes, retries...), by
   * counter name, for {@code status}; empty for a source that uses no network.
   */
  default java.util.Map<String, Long> networkCounters() {
    return java.util.Map.of();
  }

  /**
   * Whether {@code reference} is one of the daemon's own images (the warm-up image), not a
   * user's: the layer store serves it but does not list it in the mount root, keep it in the
   * store, or announce it in the logs, so operators see only their images.
   */
  default boolean isInternal(String reference) {
    return false;
  }

  /** Where access profiles of this source's images are shared, if anywhere. */
  default Optional<org.stargzstore.fs.profile.ProfileRegistry> profileRegistry() {
    return Optional.empty();
  }

  /** Told an image's manifest and layers before the image is resolved. */
  @FunctionalInterface
  interface EarlyLayers {
    /** Tells nobody. */
    EarlyLayers NONE = (manifest, blobs) -> { };

    /**
     * Called on the resolving thread (start work elsewhere); not called if the manifest fails.
     *
     * @param blobs opens a layer's blob the way {@link #openBlob} will once resolved
     */
    void layersKnown(EarlyManifest manifest, LayerBlobs blobs);
  }

  /**
   * The platform manifest an image resolves to, known one round trip (the config's) before the
   * image: enough to read the layers' TOCs and to look up what refers to the manifest.
   *
   * @param digest the manifest's digest (verified by whoever fetched it)
   * @param bytes the manifest as served
   * @param layers its layer descriptors, bottom first
   */
  record EarlyManifest(Digest digest, byte[] bytes, List<LayerDescriptor> layers) {
    public EarlyManifest {
      java.util.Objects.requireNonNull(digest);
      java.util.Objects.requireNonNull(bytes);
      layers = List.copyOf(layers);
    }
  }

  /** Opens the blob of one of the layers an {@link EarlyLayers} was told. */
  @FunctionalInterface
  interface LayerBlobs {
    BlobSource open(LayerDescriptor layer) throws IOException;
  }
}
