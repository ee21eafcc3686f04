package org.stargzstore.daemon.image;

import java.util.Optional;
import org.stargzstore.types.LayerDescriptor;

/**
 * Says, for {@code image inspect}, when podman will not ask the store for a layer although the
 * store could serve it. podman 5.1 and later (containers/image 5.31+) consult an additional layer
 * store only with a TOC digest, and take it only from {@code containerd.io/snapshot/stargz/toc.digest}
 * or {@code io.github.containers.zstd-chunked.manifest-checksum}. zstd:chunked pushed by podman
 * 4.3 and earlier carries only the older {@code io.containers.zstd-chunked.*} keys, so podman 5.1+
 * pulls such a layer in full without a look-up (docs/als.md, "podman versions").
 */
final class PodmanLookupNote {
  private PodmanLookupNote() {}

  /** The note for layer {@code d}, if podman 5.1+ will not look it up. */
  static Optional<String> of(LayerDescriptor d) {
    boolean legacyOnly = d.annotations().containsKey(
        LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM)
        && !d.annotations().containsKey(LayerDescriptor.ZSTD_CHUNKED_MANIFEST_CHECKSUM)
        && d.stargzTocDigest().isEmpty();
    if (!legacyOnly) {
      return Optional.empty();
    }
    return Optional.of("this zstd:chunked layer carries only the annotations podman 4.3 and"
        + " earlier write (" + LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM + "):"
        + " podman 4.x and 5.0 pull it lazily, but podman 5.1 and later do not look these up,"
        + " never ask the store for it and pull it in full. To have it pulled lazily there, push"
        + " the image again with podman 4.4 or later (--compression-format zstd:chunked, with"
        + " --force-compression where podman has it), or convert it with"
        + " 'stargz-registry-storage convert --format zstd-chunked' (or estargz)");
  }
}
