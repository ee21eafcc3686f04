package org.stargzstore.fs.als;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.stargzstore.estargz.Digest;
import org.stargzstore.estargz.InvalidFooterException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.layer.LayerDescriptor;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.OpenedToc;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.LayerRecord;
import org.stargzstore.fs.store.LayerRecords;

/**
 * Opens a layer's TOC at the lowest cost: from the store if this node has seen the layer (no
 * request at all), from the manifest position annotation (one request), else from one read of
 * the blob's tail that usually holds both footer and TOC (one request, two if the TOC is bigger
 * than the tail). The TOC is always verified against the manifest annotation.
 */
public final class LayerOpener {
  private static final Logger LOG = Logger.getLogger(LayerOpener.class.getName());
  /** Bytes read from the end of a blob to find the footer (and usually the TOC). */
  static final int TAIL_BYTES = 256 << 10;

  private final List<LayerFormat> formats;
  private final ContentStore store;
  private final LayerRecords records;

  public LayerOpener(List<LayerFormat> formats, ContentStore store, LayerRecords records) {
    this.formats = List.copyOf(formats);
    this.store = store;
    this.records = records;
  }

  /** A layer's opened TOC and the format that reads it. */
  public record Opened(OpenedToc toc, LayerFormat format, boolean fromStore) {}

  /**
   * Opens the layer's TOC.
   *
   * @throws NotLazyException if the layer has no TOC digest annotation or is not in a lazily
   *     readable format (podman will pull it normally)
   * @throws IOException if the registry or the blob fails (a TOC digest mismatch included)
   */
  public Opened open(LayerDescriptor d, BlobSource blob) throws IOException, NotLazyException {
    Digest expected = d.tocDigest().orElseThrow(() -> new NotLazyException(
        NotLazyException.Reason.NO_TOC_DIGEST, "layer " + d.digest() + " (" + d.mediaType()
            + ") has no TOC digest annotation: it is not eStargz or zstd:chunked"));
    Optional<Opened> cached = fromStore(d, expected, blob.describe());
    if (cached.isPresent()) {
      return cached.get();
    }
    for (LayerFormat f : formats) {
      Optional<TocLocation> loc = f.locateToc(d);
      if (loc.isPresent()) {
        checkInside(loc.get(), d.size(), blob.describe());
        byte[] toc = blob.read(loc.get().offset(), Math.toIntExact(loc.get().length()));
        return remember(d, f, loc.get(), toc, f.readToc(toc, loc.get(), expected, blob.describe()));
      }
    }
    long size = d.size() > 0 ? d.size() : blob.size();
    int tailLen = (int) Math.min(size, TAIL_BYTES);
    long tailStart = size - tailLen;
    byte[] tail = blob.read(tailStart, tailLen);
    for (LayerFormat f : formats) {
      Optional<TocLocation> found = f.locateToc(tail, size, blob.describe());
      if (found.isEmpty()) {
        continue;
      }
      TocLocation loc = found.get();
      checkInside(loc, size, blob.describe());
      byte[] toc = loc.offset() >= tailStart
          ? Arrays.copyOfRange(tail, (int) (loc.offset() - tailStart),
              (int) (loc.end() - tailStart))
          : blob.read(loc.offset(), Math.toIntExact(loc.length()));
      return remember(d, f, loc, toc, f.readToc(toc, loc, expected, blob.describe()));
    }
    throw new NotLazyException(NotLazyException.Reason.NOT_LAZY_FORMAT, "layer " + d.digest()
        + " has a TOC digest annotation but no eStargz or zstd:chunked footer");
  }

  private static void checkInside(TocLocation loc, long size, String blob)
      throws InvalidFooterException {
    if (loc.end() > size) {
      throw new InvalidFooterException(blob, "the TOC at " + loc.offset() + "+" + loc.length()
          + " ends past the blob's " + size + " bytes (truncated blob?)");
    }
  }

  private Optional<Opened> fromStore(LayerDescriptor d, Digest expected, String blobName) {
    Optional<LayerRecord> rec = records.get(d.digest());
    if (rec.isEmpty() || !rec.get().tocDigest().equals(expected.toString())) {
      return Optional.empty();
    }
    return openStored(rec.get(), blobName);
  }

  /**
   * Opens a layer from what the store kept of it (its record and stored TOC), without any
   * request; empty if the store no longer has the TOC or it does not read back.
   */
  public Optional<Opened> openStored(LayerRecord r, String blobName) {
    Digest expected = Digest.parse(r.tocDigest());
    Digest layerDigest = Digest.parse(r.digest());
    LayerFormat f = formats.stream().filter(x -> x.name().equals(r.format())).findFirst()
        .orElse(null);
    if (f == null) {
      return Optional.empty();
    }
    try {
      byte[] toc = store.readAll(Digest.parse(r.tocBlob()));
      TocLocation loc = new TocLocation(r.tocOffset(), r.tocLength(), r.tocUncompressedLength());
      return Optional.of(new Opened(f.readToc(toc, loc, expected, blobName), f, true));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (LayerFormatException e) {
      LOG.warning("stored TOC of " + layerDigest + " does not read back (" + e.getMessage()
          + "): fetching it again");
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.warning("cannot read the stored TOC of " + layerDigest + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  private Opened remember(LayerDescriptor d, LayerFormat f, TocLocation loc, byte[] tocBytes,
      OpenedToc opened) {
    try {
      Digest tocBlob = store.putHashing(tocBytes);
      records.put(new LayerRecord(d.digest().toString(), d.mediaType(), d.size(),
          opened.tocDigest().toString(), f.name(), loc.offset(), loc.length(),
          loc.uncompressedLength(), tocBlob.toString()));
    } catch (IOException e) {
      LOG.warning("cannot keep the TOC of " + d.digest() + " in the store (" + e.getMessage()
          + "); it will be fetched again after a restart");
    }
    return new Opened(opened, f, false);
  }
}
