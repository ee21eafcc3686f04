package org.stargzstore.zstdchunked;

import java.util.Optional;
import org.stargzstore.estargz.layer.TocLocation;

/**
 * The {@code manifest-position} annotation of a zstd:chunked layer,
 * {@code <offset>:<compressedLength>:<uncompressedLength>:<type>} in decimal: where the
 * manifest's zstd frame is, so a reader can fetch it without reading the footer first.
 */
final class ManifestPosition {
  private ManifestPosition() {}

  /**
   * The manifest's location, or empty if the value is malformed, not of type 1 (CRFS), or ends
   * past the largest offset (it would wrap around and pass the check against the blob's size).
   */
  static Optional<TocLocation> parse(String value) {
    String[] parts = value.trim().split(":");
    if (parts.length != 4) {
      return Optional.empty();
    }
    try {
      long offset = Long.parseLong(parts[0]);
      long length = Long.parseLong(parts[1]);
      long uncompressed = Long.parseLong(parts[2]);
      long type = Long.parseLong(parts[3]);
      if (type != ZstdChunkedFooter.MANIFEST_TYPE_CRFS || offset < ZstdChunkedFooter.SKIPPABLE_HEADER
          || length <= 0 || uncompressed < 0 || length > Long.MAX_VALUE - offset) {
        return Optional.empty();
      }
      return Optional.of(new TocLocation(offset, length, uncompressed));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
