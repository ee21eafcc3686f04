package org.stargzstore.zstdchunked.conformance;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.Landmark;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * One blob the conformance checks run on, with what an independent source says about it: its
 * descriptor or TOC digest, the producer's format, the tar it was made from, the prioritized
 * files the producer was asked for.
 *
 * @param label shown as the test name
 * @param descriptor the manifest descriptor, if the producer gave one
 * @param tocDigest the TOC digest the producer reported, if no descriptor
 * @param originalTar the tar the blob was made from, if the producer keeps it intact
 * @param prioritized the files the producer was asked to prioritize (empty: none)
 * @param landmark the landmark the producer writes
 * @param tocHasOwnerNames whether the producer records user and group names in the TOC
 */
record Subject(String label, Path blob, FormatKind format, LayerDescriptor descriptor,
    Digest tocDigest, Path originalTar, List<String> prioritized, Landmark landmark,
    boolean tocHasOwnerNames) {

  Optional<LayerDescriptor> descriptorOpt() {
    return Optional.ofNullable(descriptor);
  }

  /** The TOC digest the blob must be verified against. */
  Digest expectedTocDigest() {
    if (tocDigest != null) {
      return tocDigest;
    }
    return format == FormatKind.ZSTD_CHUNKED_STORAGE
        ? descriptor.zstdChunkedManifestChecksum().orElseThrow()
        : descriptor.stargzTocDigest().orElseThrow();
  }

  @Override
  public String toString() {
    return label;
  }
}
