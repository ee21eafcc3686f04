package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;
import java.util.logging.Logger;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.zstdchunked.TarSplitLocation;

/**
 * The exact length of a layer's decompressed blob (its tar), which the {@code info} file's
 * {@code diff-size} must be: podman's {@code save} writes a tar header with that size and then
 * copies the decompressed blob, and {@code system check} compares the two (see
 * docs/design/als-layer-contract.md §4-§5). Sources, cheapest first:
 *
 * <ol>
 *   <li>the {@code io.containers.estargz.uncompressed-size} annotation (eStargz and the stargz
 *       zstd flavour; no request);
 *   <li>containers/storage zstd:chunked with a tar-split: its authenticated tar-split
 *       ({@link TarSplitSize}, one request);
 *   <li>containers/storage zstd:chunked without one: the frames between file payloads
 *       ({@link StorageGapSize}, a few requests, capped).
 * </ol>
 *
 * Otherwise the size is unknown: never estimated. Measured once per layer, when first needed.
 */
final class ExactDiffSize {
  private static final Logger LOG = Logger.getLogger(ExactDiffSize.class.getName());

  /**
   * The size, or why it is not known; a failure that may pass (the registry did not answer) is
   * not final and is tried again on the next call.
   */
  record Outcome(OptionalLong size, String whyUnknown, boolean isFinal) {
    static Outcome of(long size) {
      return new Outcome(OptionalLong.of(size), "", true);
    }

    static Outcome unknown(String why) {
      return new Outcome(OptionalLong.empty(), why, true);
    }

    static Outcome failed(String why) {
      return new Outcome(OptionalLong.empty(), why, false);
    }
  }

  private final LayerDescriptor descriptor;
  private final FormatKind format;
  private final LayerIndex index;
  private final Optional<Digest> tocTarSplitDigest;
  private final BlobSource blob;
  private final LongConsumer onMeasured;
  private volatile Outcome outcome;

  /**
   * @param tocTarSplitDigest the tar-split digest the verified TOC states, if any
   * @param measuredBefore a size an earlier run measured (kept in the store), if any
   * @param onMeasured told a size that cost requests to measure (to keep it)
   */
  ExactDiffSize(LayerDescriptor descriptor, FormatKind format, LayerIndex index,
      Optional<Digest> tocTarSplitDigest, BlobSource blob, OptionalLong measuredBefore,
      LongConsumer onMeasured) {
    this.descriptor = descriptor;
    this.format = format;
    this.index = index;
    this.tocTarSplitDigest = tocTarSplitDigest;
    this.blob = blob;
    this.onMeasured = onMeasured;
    if (measuredBefore.isPresent() && descriptor.uncompressedSize().isEmpty()) {
      outcome = Outcome.of(measuredBefore.getAsLong());
    }
  }

  /** The size if it is known without a request (annotation, or measured already). */
  OptionalLong known() {
    Outcome o = outcome;
    if (o != null) {
      return o.size();
    }
    return descriptor.uncompressedSize();
  }

  /**
   * True if the size is not known yet and finding it costs requests (a containers/storage
   * zstd:chunked layer without a stated size): {@link #exact} will fetch.
   */
  boolean costsRequests() {
    return outcome == null && descriptor.uncompressedSize().isEmpty()
        && format == FormatKind.ZSTD_CHUNKED_STORAGE;
  }

  /** Why the size is not known, once a measurement has settled that it cannot be. */
  Optional<String> whyUnknown() {
    Outcome o = outcome;
    return o != null && o.size().isEmpty() ? Optional.of(o.whyUnknown()) : Optional.empty();
  }

  /** The size, measuring it on the first call; later calls answer at once. */
  synchronized Outcome exact() {
    Outcome o = outcome;
    if (o == null) {
      o = measure();
      if (o.isFinal()) {
        outcome = o;
      }
    }
    return o;
  }

  private Outcome measure() {
    OptionalLong annotated = descriptor.uncompressedSize();
    if (annotated.isPresent()) {
      return Outcome.of(annotated.getAsLong());
    }
    if (format != FormatKind.ZSTD_CHUNKED_STORAGE) {
      return Outcome.unknown("the layer (" + format.displayName() + ") has no "
          + LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE + " annotation, and its tar size cannot"
          + " be known without reading the whole blob");
    }
    long t0 = System.nanoTime();
    try {
      Optional<Digest> tarSplitDigest = tarSplitDigest();
      Optional<TarSplitLocation> at = tarSplitDigest.isPresent() ? tarSplitLocation()
          : Optional.empty();
      if (at.isPresent()) {
        long size = TarSplitSize.measure(blob, at.get(), tarSplitDigest.get(),
            LayerFormat.DEFAULT_MAX_TOC_SIZE);
        LOG.fine(() -> "layer " + descriptor.digest() + ": tar size " + size
            + " from its tar-split in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        onMeasured.accept(size);
        return Outcome.of(size);
      }
      StorageGapSize.Measured m = StorageGapSize.measure(index, blob);
      LOG.fine(() -> "layer " + descriptor.digest() + ": tar size " + m.size()
          + " measured from " + m.cost().gapBytes() + " bytes between file payloads ("
          + m.cost().requests() + " requests, " + m.cost().fetchedBytes() + " bytes) in "
          + (System.nanoTime() - t0) / 1_000_000 + " ms");
      onMeasured.accept(m.size());
      return Outcome.of(m.size());
    } catch (TarSplitSize.MismatchException e) {
      return Outcome.unknown("NOT using its tar-split: " + e.getMessage());
    } catch (StorageGapSize.RefusedException e) {
      return Outcome.unknown("its tar size is not stated and was not measured: "
          + e.getMessage());
    } catch (LayerFormatException e) {
      return Outcome.unknown("its footer does not read: " + e.getMessage());
    } catch (IOException e) {
      return Outcome.failed("measuring its tar size failed: " + e.getMessage());
    }
  }

  /** The digest that authenticates the tar-split: the TOC's, else the 1.47-1.53 annotation. */
  private Optional<Digest> tarSplitDigest() {
    return tarSplitDigest(tocTarSplitDigest, descriptor);
  }

  /**
   * The digest that authenticates a layer's tar-split: {@code tocTarSplitDigest} (what its
   * verified TOC states), else the 1.47-1.53 annotation.
   */
  static Optional<Digest> tarSplitDigest(Optional<Digest> tocTarSplitDigest,
      LayerDescriptor descriptor) {
    if (tocTarSplitDigest.isPresent()) {
      return tocTarSplitDigest;
    }
    String v = descriptor.annotations().get(LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_CHECKSUM);
    return v != null && Digest.isValid(v) ? Optional.of(Digest.parse(v)) : Optional.empty();
  }

  private Optional<TarSplitLocation> tarSplitLocation()
      throws IOException, LayerFormatException {
    Optional<TarSplitLocation> a = TarSplitLocation.fromAnnotation(descriptor);
    if (a.isPresent()) {
      return a;
    }
    long size = blob.size();
    int n = (int) Math.min(size, TarSplitLocation.FOOTER_BYTES);
    return TarSplitLocation.fromFooter(blob.read(size - n, n), size, blob.describe());
  }
}
