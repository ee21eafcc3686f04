package org.stargzstore.zstdchunked;

import java.util.Optional;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * zstd:chunked as containers/storage writes it ({@code podman push --compression-format
 * zstd:chunked}): every file's content in its own zstd frames, the manifest in a zstd frame, a
 * tar-split frame (1.47+), and a 40-, 56- or 64-byte footer by version. The TOC digest
 * ({@code io.github.containers.zstd-chunked.manifest-checksum}, podman 4.x:
 * {@code io.containers.zstd-chunked.manifest-checksum}) is the sha256 of the compressed
 * manifest as stored; the {@code manifest-position} annotation says where it is.
 */
public final class ZstdChunkedStorageFormat extends ZstdChunkedFormat {
  @Override
  public FormatKind kind() {
    return FormatKind.ZSTD_CHUNKED_STORAGE;
  }

  @Override
  ZstdChunkedFlavour flavour() {
    return ZstdChunkedFlavour.STORAGE;
  }

  @Override
  Digest tocDigest(Digest ofCompressed, Digest ofJson) {
    return ofCompressed;
  }

  @Override
  boolean accepts(ZstdChunkedFooter.Layout layout) {
    return true;
  }

  @Override
  public Optional<Digest> expectedTocDigest(LayerDescriptor descriptor) {
    return descriptor.zstdChunkedManifestChecksum();
  }

  @Override
  public Optional<TocLocation> locateToc(LayerDescriptor descriptor) {
    if (descriptor.zstdChunkedManifestChecksum().isEmpty()) {
      return Optional.empty();
    }
    return descriptor.zstdChunkedManifestPosition().flatMap(ManifestPosition::parse);
  }
}
