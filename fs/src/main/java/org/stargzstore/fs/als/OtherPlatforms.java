package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.stargzstore.types.Digest;

/**
 * The images of a multi-platform index other than the one the daemon resolves it to. podman
 * pulling another platform ({@code --arch}, {@code --platform}) asks under the index's reference
 * (the tag, or the index digest) for that platform's layers; the path does not say which platform.
 * This finds the image of the index that holds the layer asked for, resolving the index's images
 * on demand (at most {@link #MAX_SEARCHED} per reference, each once) and keeping them, so the
 * layer is served with that image's descriptor and config DiffID.
 */
final class OtherPlatforms {
  private static final Logger LOG = Logger.getLogger(OtherPlatforms.class.getName());

  /** How many other images of one index are resolved at most (manifest + config each). */
  static final int MAX_SEARCHED = 16;

  /** The image of the index that holds the layer, and the layer's index in it. */
  record Found(MountedImage image, int layerIndex) {}

  private final ImageSource source;
  private final ConcurrentHashMap<String, Resolved> byReference = new ConcurrentHashMap<>();

  /** One reference's other-platform images resolved so far, by manifest digest. */
  private static final class Resolved {
    final Map<Digest, MountedImage> images = new LinkedHashMap<>();
  }

  OtherPlatforms(ImageSource source) {
    this.source = source;
  }

  /** Among the images already resolved for {@code reference}, the one holding the layer. */
  Optional<Found> known(String reference, String layerName) {
    Resolved r = byReference.get(reference);
    if (r == null) {
      return Optional.empty();
    }
    synchronized (r) {
      return holding(r.images.values(), layerName);
    }
  }

  /** Every other-platform image resolved so far. */
  List<MountedImage> all() {
    List<MountedImage> out = new ArrayList<>();
    for (Resolved r : byReference.values()) {
      synchronized (r) {
        out.addAll(r.images.values());
      }
    }
    return out;
  }

  /**
   * The image of {@code nodeImage}'s index that holds layer {@code layerName} (a blob or TOC
   * digest). Empty if the reference does not name an index (the layer is simply not in it).
   *
   * @throws NotLazyException {@code other-platform} if no searched image of the index has the
   *     layer (the message lists what the index has), the source's reason for the failure
   *     ({@code registry-error} if it has none) if the index cannot be read
   */
  Optional<Found> find(MountedImage nodeImage, String layerName) throws NotLazyException {
    String ref = nodeImage.reference();
    Resolved r = byReference.computeIfAbsent(ref, k -> new Resolved());
    // one search per reference at a time: podman asks for an image's layers in parallel, and
    // the first search resolves the image the others then find here
    synchronized (r) {
      Optional<Found> known = holding(r.images.values(), layerName);
      if (known.isPresent()) {
        return known;
      }
      List<IndexInstance> instances;
      try {
        instances = source.indexInstances(ref);
      } catch (IOException e) {
        throw new NotLazyException(
            source.fallbackReason(e).orElse(NotLazyException.Reason.REGISTRY_ERROR), layerName
            + " is not in the " + source.platform() + " image of " + ref
            + ", and the platforms of its index cannot be listed: " + e.getMessage(), e);
      }
      if (instances.isEmpty()) {
        return Optional.empty();
      }
      List<String> failures = new ArrayList<>();
      int searched = 0;
      for (IndexInstance instance : instances) {
        if (instance.manifestDigest().equals(nodeImage.resolved().manifestDigest())) {
          continue;
        }
        MountedImage img = r.images.get(instance.manifestDigest());
        if (img == null) {
          if (searched >= MAX_SEARCHED) {
            failures.add("not searched beyond " + MAX_SEARCHED + " images: " + instance);
            break;
          }
          searched++;
          try {
            img = new MountedImage(nodeImage.directoryName(), source.resolveInstance(ref,
                instance), false, instance.platform());
          } catch (IOException | RuntimeException e) {
            failures.add(instance + ": " + e.getMessage());
            continue;
          }
          r.images.put(instance.manifestDigest(), img);
        }
        Optional<Integer> idx = img.layerIndex(layerName);
        if (idx.isPresent()) {
          MountedImage found = img;
          LOG.info(() -> "serving " + ref + " for " + instance + ", the platform podman asked"
              + " for: its layer " + layerName + " is not in the " + source.platform()
              + " image this node resolves the index to");
          return Optional.of(new Found(found, idx.get()));
        }
      }
      throw new NotLazyException(NotLazyException.Reason.OTHER_PLATFORM, "layer " + layerName
          + " is not in the " + source.platform() + " image of " + ref + " nor in any other"
          + " image of its index, which has " + instances.stream().map(IndexInstance::platform)
          .toList() + (failures.isEmpty() ? "" : "; " + String.join("; ", failures)));
    }
  }

  private static Optional<Found> holding(Iterable<MountedImage> images, String layerName) {
    for (MountedImage img : images) {
      Optional<Integer> idx = img.layerIndex(layerName);
      if (idx.isPresent()) {
        return Optional.of(new Found(img, idx.get()));
      }
    }
    return Optional.empty();
  }
}
