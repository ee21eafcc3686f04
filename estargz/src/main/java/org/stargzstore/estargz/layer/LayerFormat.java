package org.stargzstore.estargz.layer;

import java.util.Optional;
import org.stargzstore.estargz.Digest;
import org.stargzstore.estargz.LayerFormatException;

/**
 * One lazily readable layer format. Pure functions over bytes: a format never does I/O, so the
 * same code serves a local file, a registry, and the cache, and the caller decides how many
 * requests to make.
 */
public interface LayerFormat {

  /** Short name for logs and errors. */
  String name();

  /** How many bytes at the end of a blob {@link #locateToc} needs to see. */
  int footerSize();

  /**
   * Recognises this format's footer in {@code tail} (the last bytes of a blob of
   * {@code blobSize} bytes, at least {@link #footerSize()} of them unless the blob is smaller)
   * and says where the TOC is.
   *
   * @return empty if the tail is not this format's footer
   * @throws LayerFormatException if it is this format's footer but points outside the blob
   */
  Optional<TocLocation> locateToc(byte[] tail, long blobSize, String blob)
      throws LayerFormatException;

  /**
   * Where the TOC is according to the layer's manifest annotations, when the format has such an
   * annotation (containers/storage's manifest position): saves the footer read.
   */
  default Optional<TocLocation> locateToc(LayerDescriptor descriptor) {
    return Optional.empty();
  }

  /**
   * Verifies the TOC bytes against {@code expected} (when not null) before parsing them, then
   * parses and validates them into a {@link LayerIndex}.
   *
   * @param tocBytes exactly the bytes at {@code location}
   */
  OpenedToc readToc(byte[] tocBytes, TocLocation location, Digest expected, String blob)
      throws LayerFormatException;

  /** How chunks of this format are decompressed. */
  ChunkCodec codec();
}
