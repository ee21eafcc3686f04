package org.stargzstore.zstdchunked;

import java.util.List;
import java.util.Optional;
import org.stargzstore.estargz.format.EstargzFormat;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.types.LayerDescriptor;

/**
 * Every lazily readable layer format, in the order a reader tries them, and what a manifest
 * descriptor says about a layer's format.
 */
public final class LayerFormats {
  private static final List<LayerFormat> ALL = List.of(
      new EstargzFormat(), new ZstdChunkedStargzFormat(), new ZstdChunkedStorageFormat());

  private LayerFormats() {}

  /** eStargz, zstd:chunked (stargz-snapshotter), zstd:chunked (containers/storage). */
  public static List<LayerFormat> all() {
    return ALL;
  }

  /** Open options that try every format. */
  public static OpenOptions.Builder options() {
    return OpenOptions.builder().formats(ALL);
  }

  /**
   * The format a descriptor's annotations and media type promise, if they promise one: a stargz
   * TOC digest on a gzip layer is eStargz, on a zstd layer zstd:chunked (stargz-snapshotter);
   * a zstd:chunked manifest checksum without a stargz TOC digest is containers/storage's.
   */
  public static Optional<FormatKind> detect(LayerDescriptor d) {
    boolean zstd = d.mediaType().endsWith("+zstd") || d.mediaType().endsWith(".zstd");
    if (d.stargzTocDigest().isPresent()) {
      return Optional.of(zstd ? FormatKind.ZSTD_CHUNKED_STARGZ : FormatKind.ESTARGZ);
    }
    if (d.zstdChunkedManifestChecksum().isPresent()) {
      return Optional.of(FormatKind.ZSTD_CHUNKED_STORAGE);
    }
    return Optional.empty();
  }
}
