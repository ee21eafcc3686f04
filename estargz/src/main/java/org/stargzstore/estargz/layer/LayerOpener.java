package org.stargzstore.estargz.layer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.stargzstore.estargz.InvalidFooterException;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.TocTooLargeException;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.types.io.RangeSource;

/**
 * Finds a blob's format and reads its TOC with as few reads as possible:
 *
 * <ol>
 *   <li>If the descriptor's annotations say where the TOC is (containers/storage's manifest
 *       position), one read of the TOC and nothing else.
 *   <li>Otherwise one read of the blob's tail, which holds every known footer and usually the
 *       whole TOC; a second read only for the part of the TOC that starts before the tail. The
 *       tail is {@value #MIN_TAIL_SIZE} bytes, more for large blobs (1/{@value #TAIL_FRACTION}
 *       of the blob, at most {@value #MAX_TAIL_SIZE}): a TOC grows with the layer's file count,
 *       and on a slow link the second read costs a round trip (50 ms at 25 ms each way) while
 *       the extra tail bytes cost less (a 23 MB Python layer's 92 KiB TOC missed a 64 KiB tail).
 * </ol>
 *
 * <p>With a descriptor, only the formats its annotations name a TOC digest for are tried, so a
 * layer cannot be read unverified as another format than its manifest promises. The TOC is
 * verified against the expected digest before it is parsed.
 */
public final class LayerOpener {
  /** The least the first read fetches of the blob's end (or the whole blob if smaller). */
  public static final int MIN_TAIL_SIZE = 64 << 10;
  /** The most the first read fetches of the blob's end. */
  public static final int MAX_TAIL_SIZE = 512 << 10;
  /** Between the two, the first read fetches this fraction of the blob. */
  public static final int TAIL_FRACTION = 128;

  private LayerOpener() {}

  /** Opens {@code source} as one of {@code options.formats()}. */
  public static OpenedLayer open(RangeSource source, OpenOptions options) throws IOException {
    String blob = source.describe();
    long size = source.size();
    Optional<LayerDescriptor> descriptor = options.descriptor();
    if (descriptor.isPresent() && descriptor.get().size() > 0
        && descriptor.get().size() != size) {
      throw new InvalidFooterException(blob, "the blob is " + size + " bytes but its descriptor"
          + " says " + descriptor.get().size() + " (truncated, or not the blob it describes)");
    }
    List<LayerFormat> candidates = candidates(options);
    if (descriptor.isPresent()) {
      Optional<OpenedLayer> fromAnnotations =
          openAtAnnotatedPosition(source, options, candidates, descriptor.get(), size);
      if (fromAnnotations.isPresent()) {
        return fromAnnotations.get();
      }
    }
    return openFromFooter(source, options, candidates, size);
  }

  /**
   * The formats to try: with a descriptor, those of its media type's compression (if it names
   * one), and of those the ones its annotations name a TOC digest for (if any).
   */
  private static List<LayerFormat> candidates(OpenOptions options) {
    if (options.descriptor().isEmpty()) {
      return options.formats();
    }
    LayerDescriptor d = options.descriptor().get();
    Optional<FormatKind.Compression> compression = compressionOf(d.mediaType());
    List<LayerFormat> ofMediaType = options.formats().stream()
        .filter(f -> compression.isEmpty() || f.kind().compression() == compression.get())
        .collect(Collectors.toList());
    if (ofMediaType.isEmpty() || options.expectedTocDigest().isPresent()) {
      return ofMediaType.isEmpty() ? options.formats() : ofMediaType;
    }
    List<LayerFormat> named = ofMediaType.stream()
        .filter(f -> f.expectedTocDigest(d).isPresent())
        .collect(Collectors.toList());
    return named.isEmpty() ? ofMediaType : named;
  }

  /** The compression an OCI or Docker layer media type names, if it names one. */
  static Optional<FormatKind.Compression> compressionOf(String mediaType) {
    if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) {
      return Optional.of(FormatKind.Compression.GZIP);
    }
    if (mediaType.endsWith("+zstd") || mediaType.endsWith(".tar.zstd")) {
      return Optional.of(FormatKind.Compression.ZSTD);
    }
    return Optional.empty();
  }

  private static Optional<OpenedLayer> openAtAnnotatedPosition(RangeSource source,
      OpenOptions options, List<LayerFormat> candidates, LayerDescriptor d, long size)
      throws IOException {
    String blob = source.describe();
    for (LayerFormat f : candidates) {
      Optional<TocLocation> loc = f.locateToc(d);
      if (loc.isEmpty()) {
        continue;
      }
      TocLocation l = loc.get();
      if (l.end() > size) {
        throw new InvalidFooterException(blob, "the descriptor puts the TOC at [" + l.offset()
            + ", " + l.end() + ") but the blob has only " + size + " bytes");
      }
      checkSize(l, options, blob);
      byte[] toc = source.read(l.offset(), (int) l.length());
      Optional<OpenedToc> opened =
          f.tryReadToc(toc, l, options.expectedFor(f), options.limits(), blob);
      if (opened.isPresent()) {
        return Optional.of(new OpenedLayer(blob, size, f, l, opened.get()));
      }
    }
    return Optional.empty();
  }

  private static OpenedLayer openFromFooter(RangeSource source, OpenOptions options,
      List<LayerFormat> candidates, long size) throws IOException {
    String blob = source.describe();
    int smallestFooter = candidates.stream().mapToInt(LayerFormat::footerSize).min().orElse(0);
    if (size < smallestFooter) {
      throw new InvalidFooterException(blob, "the blob is only " + size + " bytes, too small"
          + " for a " + names(candidates) + " footer (truncated, or not a lazily pullable layer)");
    }
    int tailLength = tailLength(size);
    long tailStart = size - tailLength;
    byte[] tail = source.read(tailStart, tailLength);
    List<LayerFormatException> errors = new ArrayList<>();
    TocLocation fetchedAt = null;
    byte[] fetched = null;
    for (LayerFormat f : candidates) {
      Optional<TocLocation> loc;
      try {
        loc = f.locateToc(tail, size, blob);
      } catch (LayerFormatException e) {
        errors.add(e);
        continue;
      }
      if (loc.isEmpty()) {
        continue;
      }
      TocLocation l = loc.get();
      try {
        checkSize(l, options, blob);
        if (!l.equals(fetchedAt)) {
          fetched = tocBytes(source, l, tail, tailStart);
          fetchedAt = l;
        }
        Optional<OpenedToc> opened =
            f.tryReadToc(fetched, l, options.expectedFor(f), options.limits(), blob);
        if (opened.isPresent()) {
          return new OpenedLayer(blob, size, f, l, opened.get());
        }
      } catch (LayerFormatException e) {
        errors.add(e);
      }
    }
    if (!errors.isEmpty()) {
      throw errors.get(0);
    }
    throw new InvalidFooterException(blob, "not a lazily pullable layer: no " + names(candidates)
        + " footer at its end (a plain gzip or zstd layer, or a truncated blob)");
  }

  /** How much of a blob of {@code size} bytes the first read fetches from its end. */
  static int tailLength(long size) {
    long want = Math.max(MIN_TAIL_SIZE, Math.min(MAX_TAIL_SIZE, size / TAIL_FRACTION));
    return (int) Math.min(size, want);
  }

  /** The TOC's bytes: from the tail, with one more read for any part that starts before it. */
  private static byte[] tocBytes(RangeSource source, TocLocation l, byte[] tail, long tailStart)
      throws IOException {
    if (l.end() > tailStart + tail.length) {
      throw new IllegalStateException("TOC location past the blob end: " + l);
    }
    byte[] out = new byte[(int) l.length()];
    if (l.offset() >= tailStart) {
      System.arraycopy(tail, (int) (l.offset() - tailStart), out, 0, out.length);
      return out;
    }
    int before = (int) (Math.min(tailStart, l.end()) - l.offset());
    source.readFully(l.offset(), out, 0, before);
    if (before < out.length) {
      System.arraycopy(tail, 0, out, before, out.length - before);
    }
    return out;
  }

  private static void checkSize(TocLocation l, OpenOptions options, String blob)
      throws InvalidTocException {
    if (l.length() > options.maxTocSize()) {
      throw new TocTooLargeException(blob, LayerFormat.overCap(blob, l.length(), " compressed",
          options.maxTocSize()));
    }
    if (l.uncompressedLength() > options.maxTocSize()) {
      throw new TocTooLargeException(blob, LayerFormat.overCap(blob, l.uncompressedLength(),
          " uncompressed", options.maxTocSize()));
    }
  }

  /** "eStargz or zstd:chunked": the format families, as people know them. */
  private static String names(List<LayerFormat> formats) {
    return formats.stream()
        .map(f -> f.kind() == FormatKind.ESTARGZ ? "eStargz" : "zstd:chunked")
        .distinct()
        .collect(Collectors.joining(" or "));
  }
}
