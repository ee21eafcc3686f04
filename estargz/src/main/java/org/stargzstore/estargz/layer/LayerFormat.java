package org.stargzstore.estargz.layer;

import java.util.Optional;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * One lazily readable layer format. Pure functions over bytes: a format never does I/O, so the
 * same code serves a local file, a registry, and the cache, and the caller decides how many
 * requests to make ({@link LayerOpener} is the usual caller).
 */
public interface LayerFormat {

  /**
   * The default limit on a TOC's size, compressed or not: 150 MiB, containers/storage's own cap
   * (a layer podman would refuse is refused here too, and a parsed TOC of that size already
   * takes over a GiB of heap).
   */
  long DEFAULT_MAX_TOC_SIZE = 150L << 20;

  /** The error for a TOC over the cap: "TOC of blob X is N bytes, over the 150 MiB cap". */
  static String overCap(String blob, long size, String how, long cap) {
    String capText = cap % (1 << 20) == 0 ? (cap >> 20) + " MiB" : cap + " bytes";
    return "TOC of blob " + blob + " is " + size + " bytes" + how + ", over the " + capText
        + " cap";
  }

  /** Short name for logs and errors: the display name of its {@link #kind()}. */
  default String name() {
    return kind().displayName();
  }

  /** Which format this is. */
  FormatKind kind();

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
   * The digest the descriptor's annotations promise for this format's TOC, if any: what
   * {@link #readToc} must be given to verify the TOC of a layer pulled through that manifest.
   */
  Optional<Digest> expectedTocDigest(LayerDescriptor descriptor);

  /**
   * Verifies the TOC bytes against {@code expected} (when not null) before trusting them, then
   * parses and validates them into a {@link LayerIndex}.
   *
   * @param tocBytes exactly the bytes at {@code location}
   * @param limits the largest TOC (compressed or uncompressed, and in entries) to accept; a
   *     larger one is a {@link org.stargzstore.estargz.TocTooLargeException}
   */
  OpenedToc readToc(byte[] tocBytes, TocLocation location, Digest expected, TocLimits limits,
      String blob) throws LayerFormatException;

  /** {@link #readToc(byte[], TocLocation, Digest, TocLimits, String)} with the default limits. */
  default OpenedToc readToc(byte[] tocBytes, TocLocation location, Digest expected, String blob)
      throws LayerFormatException {
    return readToc(tocBytes, location, expected, TocLimits.DEFAULT, blob);
  }

  /**
   * Like {@link #readToc}, but returns empty instead of failing when the TOC turns out to be
   * another format's that shares this one's footer (the two zstd:chunked flavours do). Callers
   * that try several formats use this one.
   */
  default Optional<OpenedToc> tryReadToc(byte[] tocBytes, TocLocation location, Digest expected,
      TocLimits limits, String blob) throws LayerFormatException {
    return Optional.of(readToc(tocBytes, location, expected, limits, blob));
  }

  /** How chunks of this format are decompressed. */
  ChunkCodec codec();
}
