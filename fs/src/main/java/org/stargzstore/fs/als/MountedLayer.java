package org.stargzstore.fs.als;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.fetch.LayerFetcher;
import org.stargzstore.fs.tree.LayerTree;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * A layer that is served lazily: its verified index, its tree, its fetcher and the bytes of its
 * {@code info} file. Shared by every image that contains the layer (keyed by blob digest).
 */
public final class MountedLayer implements AutoCloseable {
  private final LayerDescriptor descriptor;
  private final Digest diffId;
  private final Digest tocDigest;
  private final FormatKind format;
  private final LayerTree tree;
  private final LayerFetcher fetcher;
  private final FileContent content;
  private final BlobSource blob;
  private final ExactDiffSize diffSize;
  private final LayerIdSets ids;
  private final long tocDiffSize;
  private final byte[] tocInfo;
  private final long tocInfoIno;
  private final long blobInfoIno;
  private volatile byte[] blobInfo;
  private final long blobIno;
  private final boolean tocFromStore;
  private final CompletableFuture<List<String>> profiled;
  private final AccessLog accesses = new AccessLog();
  private final AtomicLong lastUsedMillis = new AtomicLong(System.currentTimeMillis());

  MountedLayer(LayerDescriptor descriptor, Digest diffId, Digest tocDigest, FormatKind format,
      LayerTree tree, LayerFetcher fetcher, FileContent content, BlobSource blob,
      ExactDiffSize diffSize, LayerIdSets ids, long tocInfoIno, long blobInfoIno, long blobIno,
      boolean tocFromStore, CompletableFuture<List<String>> profiled) {
    this.descriptor = descriptor;
    this.diffId = diffId;
    this.tocDigest = tocDigest;
    this.format = format;
    this.tree = tree;
    this.fetcher = fetcher;
    this.content = content;
    this.blob = blob;
    this.diffSize = diffSize;
    this.ids = ids;
    // fixed when the layer opens (a file must not change under its inode): the size only if
    // known without a request (annotation, or measured by an earlier run)
    this.tocDiffSize = diffSize.known().orElse(-1);
    this.tocInfo = buildTocInfo(tocDigest.toString());
    this.tocInfoIno = tocInfoIno;
    this.blobInfoIno = blobInfoIno;
    this.blobIno = blobIno;
    this.tocFromStore = tocFromStore;
    this.profiled = profiled;
  }

  /**
   * Whether this layer knows what a start-up reads, from its access profile or the prioritized
   * files its producer marked: completes once the profile lookup has (promptly if the store has
   * the profile or there is none to look up). Predictions from the image's command defer to it.
   */
  public CompletableFuture<Boolean> knowsStartUp() {
    if (!fetcher.index().prioritizedEntries().isEmpty()) {
      return CompletableFuture.completedFuture(true);
    }
    return profiled.thenApply(files -> !files.isEmpty());
  }

  public LayerDescriptor descriptor() {
    return descriptor;
  }

  public Digest digest() {
    return descriptor.digest();
  }

  public Digest diffId() {
    return diffId;
  }

  public Digest tocDigest() {
    return tocDigest;
  }

  public FormatKind format() {
    return format;
  }

  public LayerIndex index() {
    return fetcher.index();
  }

  public LayerTree tree() {
    return tree;
  }

  public LayerFetcher fetcher() {
    return fetcher;
  }

  public FileContent content() {
    return content;
  }

  public BlobSource blob() {
    return blob;
  }

  /** The {@code info} file under the TOC-digest name {@code name} (podman 5.1+). */
  byte[] tocInfo(String name) {
    return name.equals(tocDigest.toString()) ? tocInfo : buildTocInfo(name);
  }

  private byte[] buildTocInfo(String name) {
    return LayerInfoJson.underTocDigest(name, descriptor.size(), diffId, tocDiffSize,
        format.compression().containersStorageId(), ids.uids(), ids.gids());
  }

  long tocInfoIno() {
    return tocInfoIno;
  }

  /**
   * The {@code info} file under the blob-digest name (podman 4.x, 5.0), which needs the exact
   * tar size: measured on the first call if need be.
   *
   * @throws NotLazyException if the size cannot be known: the layer is not served by that name
   */
  byte[] blobInfo() throws NotLazyException {
    byte[] b = blobInfo;
    if (b != null) {
      return b;
    }
    ExactDiffSize.Outcome o = exactDiffSize();
    if (o.size().isEmpty()) {
      throw new NotLazyException(NotLazyException.Reason.UNKNOWN_UNCOMPRESSED_SIZE,
          o.whyUnknown());
    }
    b = LayerInfoJson.underBlobDigest(descriptor.digest(), descriptor.size(), diffId,
        o.size().getAsLong(), format.compression().containersStorageId(), tocDigest,
        ids.uids(), ids.gids());
    blobInfo = b;
    return b;
  }

  /**
   * Starts measuring the exact tar size now, on {@code pool}, if that costs requests (a
   * containers/storage zstd:chunked layer without a tar-split, as podman 4.3 pushes it): podman
   * looks the layer up by its blob digest as soon as it is open and waits for that size. The
   * entrypoint's prefetch runs beside it: the measurement is bound by the registry's time per
   * range (the distribution registry's filesystem driver reads ahead 4 MiB at every range, about
   * 0.4 ms each), not by the link, and holding the prefetch back until it ended left the link
   * idle (the podman 4.3.1 benchmark image: 3.33 s against 2.87 s on 50 Mbit/s + 25 ms,
   * docs/benchmarks.md). The background holds back meanwhile, as during a lookup.
   */
  void measureTarSizeEarly(Executor pool) {
    if (!diffSize.costsRequests()) {
      return;
    }
    pool.execute(this::exactDiffSize);
  }

  /**
   * The exact tar size, measured if need be: podman waits for it, its container not yet
   * started, so the background holds back while a measurement runs.
   */
  private ExactDiffSize.Outcome exactDiffSize() {
    if (diffSize.known().isPresent()) {
      return diffSize.exact();
    }
    try (LayerFetcher.ContainerWait w = fetcher.containerWaits()) {
      return diffSize.exact();
    }
  }

  long blobInfoIno() {
    return blobInfoIno;
  }

  /**
   * Why the layer is not served under its blob digest ({@code unknown-uncompressed-size}), once
   * a lookup by that name found it out.
   */
  public java.util.Optional<String> whyNotByBlobDigest() {
    return diffSize.whyUnknown();
  }

  /** The exact tar size if it is known without a request. */
  public java.util.OptionalLong knownDiffSize() {
    return diffSize.known();
  }

  long blobIno() {
    return blobIno;
  }

  /** True if the TOC came from the local store (no request was needed to open the layer). */
  public boolean tocFromStore() {
    return tocFromStore;
  }

  /** The files of this layer in the order they were first opened. */
  public AccessLog accesses() {
    return accesses;
  }

  void touch() {
    lastUsedMillis.set(System.currentTimeMillis());
  }

  public Instant lastUsed() {
    return Instant.ofEpochMilli(lastUsedMillis.get());
  }

  @Override
  public void close() {
    fetcher.close();
    try {
      blob.close();
    } catch (java.io.IOException e) {
      // nothing to do: the connection pool reclaims it
    }
  }
}
