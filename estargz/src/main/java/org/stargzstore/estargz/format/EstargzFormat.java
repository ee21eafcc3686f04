package org.stargzstore.estargz.format;

import java.util.Optional;
import java.util.OptionalLong;
import org.stargzstore.estargz.InvalidFooterException;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.TocTooLargeException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.TocDigestMismatchException;
import org.stargzstore.estargz.layer.ChunkCodec;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.TocLimits;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.layer.OpenedToc;
import org.stargzstore.estargz.layer.TocIndexer;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.estargz.toc.TocJson;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * eStargz (gzip): the TOC is the tar entry {@code stargz.index.json} in a gzip member that
 * starts at the offset the footer names and ends at the footer; its digest (the manifest's
 * {@code containerd.io/snapshot/stargz/toc.digest}) is the sha256 of the JSON bytes. Reads the
 * 51-byte footer and the legacy 47-byte stargz footer. That tar entry is also a file of the
 * layer (a full pull extracts it): the index lists it last, as {@link TocMember} describes.
 */
public final class EstargzFormat implements LayerFormat {
  private static final GzipChunkCodec CODEC = new GzipChunkCodec();

  @Override
  public FormatKind kind() {
    return FormatKind.ESTARGZ;
  }

  @Override
  public int footerSize() {
    return EstargzFooter.SIZE;
  }

  @Override
  public Optional<TocLocation> locateToc(byte[] tail, long blobSize, String blob)
      throws LayerFormatException {
    int footer = EstargzFooter.SIZE;
    OptionalLong off = EstargzFooter.parse(tail);
    if (off.isEmpty()) {
      footer = EstargzFooter.LEGACY_SIZE;
      off = EstargzFooter.parseLegacy(tail);
    }
    if (off.isEmpty()) {
      return Optional.empty();
    }
    long tocOffset = off.getAsLong();
    long tocEnd = blobSize - footer;
    if (tocOffset >= tocEnd) {
      throw new InvalidFooterException(blob, "the eStargz footer puts the TOC at offset "
          + tocOffset + " but the blob has only " + tocEnd + " bytes before its footer"
          + " (truncated or corrupt)");
    }
    return Optional.of(new TocLocation(tocOffset, tocEnd - tocOffset, -1));
  }

  @Override
  public Optional<Digest> expectedTocDigest(LayerDescriptor descriptor) {
    return descriptor.stargzTocDigest();
  }

  @Override
  public OpenedToc readToc(byte[] tocBytes, TocLocation location, Digest expected,
      TocLimits limits, String blob) throws LayerFormatException {
    if (location.length() > limits.maxBytes()) {
      throw new TocTooLargeException(blob, LayerFormat.overCap(blob, location.length(),
          " compressed", limits.maxBytes()));
    }
    TocMember member = TocMember.read(tocBytes, limits.maxBytes(), blob);
    Digest actual = Digest.of(member.json());
    if (expected != null && !expected.equals(actual)) {
      throw new TocDigestMismatchException(blob, expected, actual);
    }
    LayerIndex index = TocIndexer.index(TocJson.parse(member.json(), blob, limits.maxEntries()), FormatKind.ESTARGZ,
        location.offset(), blob, member.asLayerEntry(location, actual, blob));
    return new OpenedToc(index, actual, expected != null);
  }

  @Override
  public ChunkCodec codec() {
    return CODEC;
  }
}
