package org.stargzstore.zstdchunked;

import java.util.Optional;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.types.LayerDescriptor;

/**
 * Where a containers/storage zstd:chunked blob (1.47+) keeps its tar-split: one zstd frame,
 * inside a skippable frame, after the manifest. Known from the
 * {@code io.github.containers.zstd-chunked.tarsplit-position} annotation
 * ({@code offset:compressedLength:uncompressedLength}) or from the 64-byte footer. Neither is
 * trusted: the caller checks the bytes against the tar-split digest before using them.
 *
 * @param offset where the tar-split's zstd frame starts in the blob
 * @param length its compressed length
 */
public record TarSplitLocation(long offset, long length) {

  /** How many bytes at the end of a blob {@link #fromFooter} needs. */
  public static final int FOOTER_BYTES = ZstdChunkedFooter.MAX_FRAME;

  /** From the layer's annotation; empty if absent or malformed. */
  public static Optional<TarSplitLocation> fromAnnotation(LayerDescriptor d) {
    String v = d.annotations().get(LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_POSITION);
    if (v == null) {
      return Optional.empty();
    }
    String[] parts = v.trim().split(":");
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      long offset = Long.parseLong(parts[0]);
      long length = Long.parseLong(parts[1]);
      return valid(offset, length, d.size());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * From the 64-byte footer at the end of {@code tail} (the last bytes of a blob of
   * {@code blobSize} bytes); empty for the older footers, which have no tar-split.
   */
  public static Optional<TarSplitLocation> fromFooter(byte[] tail, long blobSize, String blob)
      throws LayerFormatException {
    Optional<ZstdChunkedFooter> f = ZstdChunkedFooter.parse(tail, blobSize, blob);
    if (f.isEmpty() || f.get().layout() != ZstdChunkedFooter.Layout.V64) {
      return Optional.empty();
    }
    return valid(f.get().tarSplitOffset(), f.get().tarSplitLength(), blobSize);
  }

  private static Optional<TarSplitLocation> valid(long offset, long length, long blobSize) {
    if (offset < ZstdChunkedFooter.SKIPPABLE_HEADER || length <= 0 || offset > blobSize
        || length > blobSize - offset) {
      return Optional.empty();
    }
    return Optional.of(new TarSplitLocation(offset, length));
  }
}
