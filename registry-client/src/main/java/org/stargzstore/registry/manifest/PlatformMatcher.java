package org.stargzstore.registry.manifest;

import java.util.Optional;
import org.stargzstore.registry.Platform;

/**
 * Chooses the manifest for a platform from an index: same OS and architecture, the best variant
 * the platform accepts (its own, then older ones, then none), first in index order on a tie.
 */
public final class PlatformMatcher {
  private PlatformMatcher() {}

  public static Optional<Descriptor> select(ImageIndex index, Platform wanted) {
    for (String variant : wanted.acceptedVariants()) {
      for (Descriptor d : index.manifests()) {
        Platform p = d.platform();
        if (p != null && p.os().equals(wanted.os())
            && p.architecture().equals(wanted.architecture())
            && p.variant().equals(variant)
            && MediaTypes.isImageManifest(d.mediaType())) {
          return Optional.of(d);
        }
      }
    }
    return Optional.empty();
  }
}
