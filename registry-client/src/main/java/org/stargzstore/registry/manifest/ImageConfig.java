package org.stargzstore.registry.manifest;

import java.util.List;
import java.util.Objects;

/**
 * The parts of an image configuration the store needs: the platform it was built for and the
 * uncompressed layer digests ({@code rootfs.diff_ids}), bottom first.
 */
public record ImageConfig(String os, String architecture, String variant,
    List<org.stargzstore.types.Digest> diffIds) {

  public ImageConfig {
    Objects.requireNonNull(diffIds, "diffIds");
    diffIds = List.copyOf(diffIds);
    os = os == null ? "" : os;
    architecture = architecture == null ? "" : architecture;
    variant = variant == null ? "" : variant;
  }
}
