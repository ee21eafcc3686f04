package org.stargzstore.fs.als;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.logging.Logger;
import org.stargzstore.estargz.InvalidFooterException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.TocTooLargeException;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.ChunkVerifier;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.LayerOpener;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.estargz.layer.OpenedLayer;
import org.stargzstore.estargz.layer.OpenedToc;
import org.stargzstore.estargz.layer.TocIndexer;
import org.stargzstore.estargz.layer.TocLimits;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.estargz.layer.UnitStreamer;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.LayerRecord;
import org.stargzstore.fs.store.LayerRecords;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Opens a layer's TOC from the local store when this node has seen the layer before (no request
 * at all), else through the format layer's {@link LayerOpener} (one or two range requests), and
 * then keeps the TOC and a record of it in the store. A containers/storage zstd:chunked layer's
 * tar-split is read with its TOC where it lies right after it ({@link TocAndTarSplitRead}): the
 * exact tar size then comes with the TOC. The TOC is always verified against the
 * manifest annotation, also when it comes from the store.
 *
 * <p>eStargz's TOC is also a file of the layer, {@code stargz.index.json}, whose one chunk is
 * the TOC member. When that file is small ({@link #MAX_KEPT_TOC_FILE}), the JSON the TOC
 * member holds is kept as that chunk too, so reading the file needs no second request for
 * bytes the opener already had; a larger one is fetched (streamed) when it is read.
 */
public final class CachingLayerOpener {
  private static final Logger LOG = Logger.getLogger(CachingLayerOpener.class.getName());
  /** The largest {@code stargz.index.json} kept as a chunk when its TOC is fetched. */
  static final long MAX_KEPT_TOC_FILE = UnitStreamer.DEFAULT_STREAM_ABOVE;

  private final List<LayerFormat> formats;
  private final ContentStore store;
  private final LayerRecords records;
  private final java.util.concurrent.Executor background;
  private final TocLimits limits;

  public CachingLayerOpener(List<LayerFormat> formats, ContentStore store, LayerRecords records) {
    this(formats, store, records, java.util.concurrent.ForkJoinPool.commonPool());
  }

  /** @param limits the largest TOC to index (bytes and entries); a larger one is not lazy */
  public CachingLayerOpener(List<LayerFormat> formats, ContentStore store, LayerRecords records,
      TocLimits limits) {
    this(formats, store, records, java.util.concurrent.ForkJoinPool.commonPool(), limits);
  }

  /** @param background runs the store writes that keep a fetched TOC */
  public CachingLayerOpener(List<LayerFormat> formats, ContentStore store, LayerRecords records,
      java.util.concurrent.Executor background) {
    this(formats, store, records, background, TocLimits.DEFAULT);
  }

  private CachingLayerOpener(List<LayerFormat> formats, ContentStore store, LayerRecords records,
      java.util.concurrent.Executor background, TocLimits limits) {
    this.limits = limits;
    this.formats = List.copyOf(formats);
    this.store = store;
    this.records = records;
    this.background = background;
  }

  /**
   * A layer's opened TOC and the format that reads it; {@code measuredDiffSize} is the tar size
   * an earlier run measured (see {@link #rememberDiffSize}), if the store kept one.
   */
  public record Opened(OpenedToc toc, LayerFormat format, boolean fromStore,
      OptionalLong measuredDiffSize) {
    public Opened(OpenedToc toc, LayerFormat format, boolean fromStore) {
      this(toc, format, fromStore, OptionalLong.empty());
    }
  }

  /**
   * Opens the layer's TOC.
   *
   * @throws NotLazyException if the layer has no TOC digest annotation or is not in a lazily
   *     readable format (podman will pull it normally)
   * @throws IOException if the registry or the blob fails (a TOC digest mismatch included)
   */
  public Opened open(LayerDescriptor d, BlobSource blob) throws IOException, NotLazyException {
    return open(d, blob, true);
  }

  /**
   * As {@link #open(LayerDescriptor, BlobSource)}; with {@code keep} false the store is neither
   * read nor written (for the daemon's internal images, which must leave no trace in it).
   */
  public Opened open(LayerDescriptor d, BlobSource blob, boolean keep)
      throws IOException, NotLazyException {
    Digest expected = d.tocDigest().orElseThrow(() -> new NotLazyException(
        NotLazyException.Reason.NO_TOC_DIGEST, "layer " + d.digest() + " (" + d.mediaType()
            + ") has no TOC digest annotation: it is not eStargz or zstd:chunked"));
    Optional<LayerRecord> rec = keep ? records.get(d.digest()) : Optional.empty();
    if (rec.isPresent() && rec.get().tocDigest().equals(expected.toString())) {
      Optional<Opened> stored = openStored(rec.get(), blob.describe());
      if (stored.isPresent()) {
        return stored.get();
      }
    }
    OpenedLayer opened;
    Optional<TocAndTarSplitRead> withTarSplit = TocAndTarSplitRead.of(blob, d,
        formats.stream().filter(f -> f.kind() == FormatKind.ZSTD_CHUNKED_STORAGE)
            .flatMap(f -> f.locateToc(d).stream()).findFirst());
    ReadRecorder recorder = new ReadRecorder(
        withTarSplit.isPresent() ? withTarSplit.get() : blob);
    try {
      opened = LayerOpener.open(recorder, OpenOptions.builder().formats(formats).descriptor(d)
          .maxTocSize(limits.maxBytes()).maxTocEntries(limits.maxEntries()).build());
    } catch (TocTooLargeException e) {
      throw tooLarge(d, e);
    } catch (InvalidFooterException e) {
      throw new NotLazyException(NotLazyException.Reason.NOT_LAZY_FORMAT, "layer " + d.digest()
          + " has a TOC digest annotation but cannot be read as eStargz or zstd:chunked: "
          + e.getMessage(), e);
    }
    OptionalLong tarSize = withTarSplit.isPresent()
        ? withTarSplit.get().tarSize(
            ExactDiffSize.tarSplitDigest(opened.toc().tarSplitDigest(), d))
        : OptionalLong.empty();
    tarSize.ifPresent(n -> LOG.fine(() -> "layer " + d.digest() + ": tar size " + n
        + " from its tar-split, read with the TOC"));
    // keeping the TOC (fsynced writes) is off the path of the lookup podman waits on
    if (keep) {
      background.execute(() -> remember(d, opened, recorder, tarSize));
    }
    return new Opened(opened.toc(), opened.format(), false, tarSize);
  }

  /**
   * A TOC over the limits: the layer is fine, but indexing it would cost more heap than the
   * daemon is given (each entry costs a few hundred bytes; docs/configuration.md "Memory"), so
   * podman pulls it normally.
   */
  private NotLazyException tooLarge(LayerDescriptor d, TocTooLargeException e) {
    String knob = e.overEntries() ? "[fetch] max_toc_entries" : "the 150 MiB TOC cap";
    return new NotLazyException(NotLazyException.Reason.TOC_TOO_LARGE, "layer " + d.digest()
        + " is too large to index: " + e.getMessage() + " (" + knob + ")", e);
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
      return Optional.of(new Opened(f.readToc(toc, loc, expected, limits, blobName), f, true,
          r.measuredDiffSize()));
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

  /**
   * Keeps a measured tar size in the layer's record, so that a restarted daemon does not measure
   * again; nothing happens if the layer has no record (yet). A failure only costs a measurement.
   */
  public void rememberDiffSize(Digest layer, long size) {
    Optional<LayerRecord> r = records.get(layer);
    if (r.isEmpty() || r.get().measuredDiffSize().equals(OptionalLong.of(size))) {
      return;
    }
    try {
      records.put(r.get().withDiffSize(size));
    } catch (IOException | RuntimeException e) {
      LOG.warning("cannot keep the tar size of " + layer + " in the store (" + e.getMessage()
          + "); it will be measured again after a restart");
    }
  }

  private void remember(LayerDescriptor d, OpenedLayer opened, ReadRecorder reads,
      OptionalLong tarSize) {
    try {
      TocLocation loc = opened.location();
      byte[] tocBytes = reads.bytesAt(loc.offset(), Math.toIntExact(loc.length()));
      Digest tocBlob = store.putHashing(tocBytes);
      keepTocFile(d, opened, tocBytes);
      LayerRecord r = new LayerRecord(d.digest().toString(), d.mediaType(), d.size(),
          opened.toc().tocDigest().toString(), opened.format().name(), loc.offset(),
          loc.length(), loc.uncompressedLength(), tocBlob.toString());
      records.put(tarSize.isPresent() ? r.withDiffSize(tarSize.getAsLong()) : r);
    } catch (IOException | RuntimeException e) {
      LOG.warning("cannot keep the TOC of " + d.digest() + " in the store (" + e.getMessage()
          + "); it will be fetched again after a restart");
    }
  }

  /**
   * Keeps a small {@code stargz.index.json} as its chunk: decoded from the TOC member the
   * opener read and verified against the TOC digest like any chunk before it is stored.
   */
  private void keepTocFile(LayerDescriptor d, OpenedLayer opened, byte[] tocMember) {
    try {
      storeTocFileChunk(opened, tocMember);
    } catch (IOException | RuntimeException e) {
      LOG.warning("cannot keep " + TocIndexer.TOC_TAR_NAME + " of " + d.digest() + " ("
          + e.getMessage() + "); it will be fetched from the blob when it is read");
    }
  }

  private void storeTocFileChunk(OpenedLayer opened, byte[] tocMember) throws IOException {
    Optional<LayerEntry> file = opened.index().entry(TocIndexer.TOC_TAR_NAME);
    if (opened.index().format() != FormatKind.ESTARGZ || file.isEmpty()
        || file.get().chunks().size() != 1) {
      return;
    }
    Chunk c = file.get().chunks().get(0);
    if (c.compressedOffset() != opened.location().offset() || c.size() > MAX_KEPT_TOC_FILE
        || store.contains(c.digest())) {
      return;
    }
    byte[] json = opened.format().codec().decode(tocMember, 0, tocMember.length, c,
        opened.blob());
    ChunkVerifier.verify(opened.blob(), c, json);
    store.put(c.digest(), json, 0, json.length);
  }
}
