package org.stargzstore.zstdchunked;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.TocTooLargeException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.TocDigestMismatchException;
import org.stargzstore.estargz.layer.ChunkCodec;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.TocLimits;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.layer.OpenedToc;
import org.stargzstore.estargz.layer.TocIndexer;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.estargz.toc.Toc;
import org.stargzstore.estargz.toc.TocJson;
import org.stargzstore.types.Digest;

/**
 * What the two zstd:chunked flavours share: the manifest (TOC JSON) is one zstd frame inside a
 * skippable frame, found through a {@code GnUlInUx} footer; file data ends where that skippable
 * frame starts. They differ in which bytes the TOC digest covers and in the footers they
 * write, and a blob with the shared 40-byte footer is claimed by the flavour that its digest
 * (or, without one, its TOC content, see {@link ZstdChunkedFlavour}) points to.
 */
abstract class ZstdChunkedFormat implements LayerFormat {
  private static final ZstdChunkCodec CODEC = new ZstdChunkCodec();

  /** This flavour. */
  abstract ZstdChunkedFlavour flavour();

  /** The TOC digest as this flavour defines it. */
  abstract Digest tocDigest(Digest ofCompressed, Digest ofJson);

  /** Whether this flavour can have written a footer of {@code layout}. */
  abstract boolean accepts(ZstdChunkedFooter.Layout layout);

  @Override
  public int footerSize() {
    return ZstdChunkedFooter.MAX_FRAME;
  }

  @Override
  public Optional<TocLocation> locateToc(byte[] tail, long blobSize, String blob)
      throws LayerFormatException {
    Optional<ZstdChunkedFooter> f = ZstdChunkedFooter.parse(tail, blobSize, blob);
    return f.filter(x -> accepts(x.layout())).map(ZstdChunkedFooter::manifest);
  }

  @Override
  public OpenedToc readToc(byte[] tocBytes, TocLocation location, Digest expected,
      TocLimits limits, String blob) throws LayerFormatException {
    return tryReadToc(tocBytes, location, expected, limits, blob).orElseThrow(() ->
        new InvalidTocException(blob, "the TOC is not " + name() + "'s: "
            + (expected != null ? "its digest matches the other zstd:chunked flavour's"
                : "its content is the other zstd:chunked flavour's")));
  }

  @Override
  public Optional<OpenedToc> tryReadToc(byte[] tocBytes, TocLocation location, Digest expected,
      TocLimits limits, String blob) throws LayerFormatException {
    if (tocBytes.length > limits.maxBytes()) {
      throw new TocTooLargeException(blob, LayerFormat.overCap(blob, tocBytes.length,
          " compressed", limits.maxBytes()));
    }
    byte[] json = decompress(tocBytes, limits.maxBytes(), blob);
    Digest ofCompressed = Digest.of(tocBytes);
    Digest ofJson = Digest.of(json);
    Digest mine = tocDigest(ofCompressed, ofJson);
    Toc toc = null;
    if (expected == null || !expected.equals(mine)) {
      Digest theirs = mine.equals(ofJson) ? ofCompressed : ofJson;
      if (expected != null && expected.equals(theirs)) {
        return Optional.empty();
      }
      toc = TocJson.parse(json, blob, limits.maxEntries());
      ZstdChunkedFlavour shape = ZstdChunkedFlavour.of(toc);
      if (shape != ZstdChunkedFlavour.UNKNOWN && shape != flavour()) {
        return Optional.empty();
      }
      if (expected != null) {
        throw new TocDigestMismatchException(blob, expected, mine);
      }
    } else {
      toc = TocJson.parse(json, blob, limits.maxEntries());
    }
    long dataEnd = location.offset() - ZstdChunkedFooter.SKIPPABLE_HEADER;
    LayerIndex index = TocIndexer.index(toc, kind(), dataEnd, blob);
    Optional<Digest> tarSplit = toc.tarSplitDigest().filter(Digest::isValid).map(Digest::parse);
    return Optional.of(new OpenedToc(index, mine, expected != null, tarSplit));
  }

  /** The manifest's JSON: one zstd frame, at most {@code max} bytes once decompressed. */
  static byte[] decompress(byte[] frame, long max, String blob) throws InvalidTocException {
    try (ZstdInputStreamNoFinalizer in =
        new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(frame))) {
      byte[] json = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
      if (json.length > max) {
        throw new TocTooLargeException(blob, LayerFormat.overCap(blob, json.length,
            " uncompressed (or more)", max));
      }
      return json;
    } catch (InvalidTocException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new InvalidTocException(blob, "the TOC is not a valid zstd frame: " + e.getMessage(),
          e);
    }
  }

  @Override
  public ChunkCodec codec() {
    return CODEC;
  }
}
