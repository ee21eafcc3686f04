package org.stargzstore.zstdchunked;

import java.util.Optional;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * zstd:chunked as stargz-snapshotter writes it ({@code estargz/zstdchunked}): the eStargz TOC
 * JSON in a zstd frame, 40-byte footer. The TOC digest
 * ({@code containerd.io/snapshot/stargz/toc.digest}) is the sha256 of the uncompressed JSON.
 */
public final class ZstdChunkedStargzFormat extends ZstdChunkedFormat {
  @Override
  public FormatKind kind() {
    return FormatKind.ZSTD_CHUNKED_STARGZ;
  }

  @Override
  ZstdChunkedFlavour flavour() {
    return ZstdChunkedFlavour.STARGZ;
  }

  @Override
  Digest tocDigest(Digest ofCompressed, Digest ofJson) {
    return ofJson;
  }

  @Override
  boolean accepts(ZstdChunkedFooter.Layout layout) {
    return layout == ZstdChunkedFooter.Layout.V40;
  }

  @Override
  public Optional<Digest> expectedTocDigest(LayerDescriptor descriptor) {
    return descriptor.stargzTocDigest();
  }

  /**
   * stargz-snapshotter's writer also records the manifest position (legacy
   * {@code io.containers.zstd-chunked.manifest-position}) when asked for annotations; it is
   * only trusted here together with a stargz TOC digest to check the TOC against.
   */
  @Override
  public Optional<TocLocation> locateToc(LayerDescriptor descriptor) {
    if (descriptor.stargzTocDigest().isEmpty()) {
      return Optional.empty();
    }
    return descriptor.zstdChunkedManifestPosition().flatMap(ManifestPosition::parse);
  }
}
