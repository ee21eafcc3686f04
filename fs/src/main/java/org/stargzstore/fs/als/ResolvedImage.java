package org.stargzstore.fs.als;

import java.util.List;
import java.util.Objects;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * An image reference resolved for this node's platform: its manifest and config (both verified
 * against their digests by whoever fetched them) and the layers with their diff IDs.
 *
 * @param reference the normalised reference podman asked for
 * @param layers the manifest's layer descriptors, bottom first
 * @param diffIds the config's {@code rootfs.diff_ids}, one per layer
 */
public record ResolvedImage(String reference, Digest manifestDigest, byte[] manifest,
    Digest configDigest, byte[] config, List<LayerDescriptor> layers, List<Digest> diffIds) {

  public ResolvedImage {
    Objects.requireNonNull(reference);
    layers = List.copyOf(layers);
    diffIds = List.copyOf(diffIds);
    if (layers.size() != diffIds.size()) {
      throw new IllegalArgumentException(reference + ": the manifest has " + layers.size()
          + " layers but the config lists " + diffIds.size() + " diff IDs");
    }
  }
}
