package org.stargzstore.fs.als;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.fetch.FetchContext;
import org.stargzstore.fs.fetch.LayerFetcher;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.prefetch.ElfLinks;
import org.stargzstore.fs.prefetch.EntrypointClosure;
import org.stargzstore.fs.prefetch.LibraryPrefetcher;
import org.stargzstore.fs.prefetch.MergedView;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.References;
import org.stargzstore.fs.store.StoreLock;
import org.stargzstore.fs.tree.InodeNumbers;
import org.stargzstore.fs.tree.LayerTree;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * The additional layer store: resolves the images podman asks about, opens their layers (all of
 * an image's layers in parallel on its first lookup), serves them through the {@link #root()}
 * node tree, counts references, and says why anything is not served lazily.
 */
public final class LayerStore implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LayerStore.class.getName());

  private final ImageSource source;
  private final CachingLayerOpener opener;
  private final FetchContext fetch;
  private final References references;
  private final LayerStoreConfig config;
  private final StoreLock storeLock;
  private final ImageRecords imageRecords;
  private final InodeNumbers inodes = new InodeNumbers(2);
  private final ExecutorService openPool;
  private final ScheduledExecutorService housekeeping;
  /** Parses shared objects as they arrive, for the libraries they link. */
  private final ExecutorService libraryPool;
  private final ConcurrentHashMap<String, Slot<MountedImage>> images = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Digest, Slot<MountedLayer>> layers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Digest, NotLazyException> notLazy = new ConcurrentHashMap<>();
  private final EarlyTocReads earlyTocs;
  private final ConcurrentHashMap<String, Boolean> loggedFallbacks = new ConcurrentHashMap<>();
  private final FallbackCounters counters = new FallbackCounters();
  /** Layers of the daemon's internal images: their unloading is not announced either. */
  private final java.util.Set<Digest> internalLayers = ConcurrentHashMap.newKeySet();
  private final VerifiedBlobs verifiedBlobs;
  private final OtherPlatforms otherPlatforms;
  private final Instant started = Instant.now();

  /** A value being computed, and when; failures are retried after {@code failureRetry}. */
  private record Slot<T>(CompletableFuture<T> future, long createdMillis) {
    boolean reusable(Duration retry) {
      return !future.isCompletedExceptionally()
          || System.currentTimeMillis() - createdMillis < retry.toMillis();
    }
  }

  public LayerStore(ImageSource source, CachingLayerOpener opener, FetchContext fetch,
      References references, ImageRecords imageRecords, StoreLock storeLock,
      LayerStoreConfig config) {
    this.imageRecords = imageRecords;
    this.storeLock = storeLock;
    this.source = source;
    this.opener = opener;
    this.fetch = fetch;
    this.references = references;
    this.config = config;
    this.openPool = Executors.newFixedThreadPool(8, DaemonThreadFactory.named("layer-open"));
    this.earlyTocs = new EarlyTocReads(opener, openPool);
    this.otherPlatforms = new OtherPlatforms(source, inodes);
    this.verifiedBlobs = new VerifiedBlobs(fetch.cache().store(), config.failureRetry());
    this.libraryPool = Executors.newSingleThreadExecutor(
        DaemonThreadFactory.named("library-prefetch"));
    this.housekeeping = Executors.newSingleThreadScheduledExecutor(
        DaemonThreadFactory.named("layer-housekeeping"));
    long period = Math.max(1, Math.min(60, config.releaseGrace().toSeconds() / 4));
    housekeeping.scheduleWithFixedDelay(this::unloadReleased, period, period, TimeUnit.SECONDS);
  }

  /** The tree served at the mount point. */
  public FsNode root() {
    return new AlsNodes.Root(this);
  }

  public References references() {
    return references;
  }

  public FallbackCounters counters() {
    return counters;
  }

  public Instant started() {
    return started;
  }

  /** Where the layers' {@code blob} files are served from, verified. */
  VerifiedBlobs verifiedBlobs() {
    return verifiedBlobs;
  }

  /**
   * The users' images resolved so far (not the daemon's {@linkplain #isInternal own}), and the
   * images of other platforms podman asked for under an index's reference.
   */
  public List<MountedImage> images() {
    List<MountedImage> out = new ArrayList<>();
    for (Slot<MountedImage> s : images.values()) {
      if (s.future().isDone() && !s.future().isCompletedExceptionally()
          && !isInternal(s.future().join().reference())) {
        out.add(s.future().join());
      }
    }
    out.addAll(otherPlatforms.all());
    return out;
  }

  /** Whether {@code reference} is one of the daemon's own images (see {@link ImageSource}). */
  public boolean isInternal(String reference) {
    return source.isInternal(reference);
  }

  /** INFO for users' images; the daemon's own images are logged at FINE only. */
  private Level announce(String reference) {
    return isInternal(reference) ? Level.FINE : Level.INFO;
  }

  /** Digests of the layers loaded now (the garbage collector keeps their content). */
  public java.util.Set<Digest> loadedLayerDigests() {
    java.util.Set<Digest> out = new java.util.HashSet<>();
    layers.forEach((d, s) -> {
      if (!s.future().isDone() || !s.future().isCompletedExceptionally()) {
        out.add(d);
      }
    });
    return out;
  }

  /** The layer of {@code digest} if it is loaded and lazily served. */
  public Optional<MountedLayer> loadedLayer(Digest digest) {
    Slot<MountedLayer> s = layers.get(digest);
    if (s != null && s.future().isDone() && !s.future().isCompletedExceptionally()) {
      return Optional.of(s.future().join());
    }
    return Optional.empty();
  }

  /** Why a layer is not served lazily, if it was found not to be. */
  public Optional<NotLazyException> notLazyReason(Digest digest) {
    return Optional.ofNullable(notLazy.get(digest));
  }

  // ---- resolution ----

  /** The image a directory name stands for, resolving it on first use. */
  MountedImage image(String directoryName) throws NotLazyException {
    String decoded;
    try {
      decoded = ImageDirectoryName.decode(directoryName);
    } catch (IllegalArgumentException e) {
      throw fallback(NotLazyException.Reason.BAD_NAME, directoryName,
          "not an image directory name: " + e.getMessage(), null);
    }
    String ref;
    try {
      ref = source.normalize(decoded);
    } catch (IllegalArgumentException e) {
      throw fallback(NotLazyException.Reason.BAD_REFERENCE, decoded,
          "'" + decoded + "' is not a valid image reference: " + e.getMessage(), null);
    }
    return resolve(directoryName, ref, false);
  }

  /** Resolves again if the cached resolution is older than a few seconds (a tag may have moved). */
  MountedImage refresh(MountedImage img) throws NotLazyException {
    if (!img.fromStore()
        && Duration.between(img.resolvedAt(), Instant.now()).compareTo(config.failureRetry()) < 0) {
      return img;
    }
    return resolve(img.directoryName(), img.reference(), true);
  }

  private MountedImage resolve(String dirName, String ref, boolean force) throws NotLazyException {
    Slot<MountedImage> slot = images.compute(ref, (k, cur) -> {
      if (cur != null && !force && cur.reusable(config.failureRetry())) {
        return cur;
      }
      CompletableFuture<MountedImage> f = CompletableFuture.supplyAsync(() -> {
        try {
          Optional<ResolvedImage> stored = force ? Optional.empty() : fromRecord(ref);
          ResolvedImage r = stored.isPresent() ? stored.get() : resolveReadingTocs(ref);
          MountedImage img = new MountedImage(dirName, r, inodes, stored.isPresent());
          LOG.log(announce(ref), () -> "resolved " + ref + " to " + r.manifestDigest() + " ("
              + r.layers().size() + " layers" + (stored.isPresent() ? ", from the local store" : "")
              + ")");
          if (stored.isEmpty() && !isInternal(ref)) {
            openPool.execute(() -> remember(r));
          }
          openAllLayers(img);
          return img;
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, openPool);
      return new Slot<>(f, System.currentTimeMillis());
    });
    try {
      return slot.future().get(config.resolveTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
      throw fallback(NotLazyException.Reason.REGISTRY_ERROR, ref,
          "cannot resolve " + ref + ": " + messageOf(c), c);
    } catch (TimeoutException e) {
      throw fallback(NotLazyException.Reason.REGISTRY_ERROR, ref, "resolving " + ref
          + " took longer than " + config.resolveTimeout().toSeconds() + " s", null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotLazyException(NotLazyException.Reason.REGISTRY_ERROR, "interrupted");
    }
  }

  /**
   * The image of another platform of {@code img}'s index that holds layer {@code name}, when
   * {@code img} (this node's platform) has no such layer: podman pulls {@code --arch} or
   * {@code --platform} under the index's reference.
   *
   * @throws NotLazyException {@code unknown-layer} if the reference is not an index,
   *     {@code other-platform} if no image of the index has the layer (logged once)
   */
  OtherPlatforms.Found otherPlatformLayer(MountedImage img, String name)
      throws NotLazyException {
    Optional<OtherPlatforms.Found> found;
    try {
      found = otherPlatforms.find(img, name);
    } catch (NotLazyException e) {
      throw fallback(e.reason(), img.reference() + "@" + name, e.getMessage(), e.getCause());
    }
    if (found.isEmpty()) {
      counters.increment(NotLazyException.Reason.UNKNOWN_LAYER);
      throw new NotLazyException(NotLazyException.Reason.UNKNOWN_LAYER,
          name + " is not a layer of " + img.reference());
    }
    return found.get();
  }

  /** As {@link #otherPlatformLayer}, among the images already resolved (no registry). */
  Optional<OtherPlatforms.Found> otherPlatformLayerKnown(MountedImage img, String name) {
    return otherPlatforms.known(img.reference(), name);
  }

  /**
   * As {@link #otherPlatformLayer}, neither counted nor logged: for a release, which must find
   * the layer's image also after a restart of the daemon (the images are resolved again).
   */
  Optional<OtherPlatforms.Found> otherPlatformLayerQuietly(MountedImage img, String name) {
    try {
      return otherPlatforms.find(img, name);
    } catch (NotLazyException e) {
      return Optional.empty();
    }
  }

  /** Resolves {@code ref}, starting the TOC reads of its layers once the manifest is in. */
  private ResolvedImage resolveReadingTocs(String ref) throws IOException {
    List<Digest> started = new ArrayList<>();
    try {
      return source.resolve(ref, (ls, blobs) -> started.addAll(earlyTocs.start(ls, blobs, d -> {
        Slot<MountedLayer> s = layers.get(d);
        return s != null && s.reusable(config.failureRetry());
      })));
    } catch (IOException | RuntimeException e) {
      earlyTocs.discard(started);
      throw e;
    }
  }

  /** A resolution kept by an earlier run, if its manifest and config are still stored. */
  private Optional<ResolvedImage> fromRecord(String ref) {
    if (isInternal(ref)) {
      return Optional.empty();
    }
    Optional<ImageRecords.ImageRecord> rec = imageRecords.get(ref);
    if (rec.isEmpty()) {
      return Optional.empty();
    }
    Optional<byte[][]> blobs = imageRecords.blobs(rec.get());
    if (blobs.isEmpty()) {
      return Optional.empty();
    }
    ImageRecords.ImageRecord r = rec.get();
    return Optional.of(new ResolvedImage(ref, r.manifestDigest(), blobs.get()[0],
        r.configDigest(), blobs.get()[1], r.layers(), r.diffIds()));
  }

  private void remember(ResolvedImage r) {
    try (StoreLock.Held held = storeLock.sharedHeld()) {
      imageRecords.put(new ImageRecords.ImageRecord(r.reference(), r.manifestDigest(),
          r.configDigest(), r.layers(), r.diffIds(), Instant.now()), r.manifest(), r.config());
    } catch (IOException e) {
      LOG.warning("cannot keep the resolution of " + r.reference() + " (" + e.getMessage()
          + "); it will be resolved again after a restart");
    }
  }

  private void openAllLayers(MountedImage img) {
    List<CompletableFuture<MountedLayer>> opening = new ArrayList<>();
    for (int i = 0; i < img.resolved().layers().size(); i++) {
      LayerDescriptor d = img.resolved().layers().get(i);
      if (d.tocDigest().isEmpty()) {
        continue;
      }
      opening.add(layerSlot(img, i).future());
    }
    if (config.prefetchEntrypoint() && !opening.isEmpty()) {
      CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
          .handleAsync((v, t) -> {
            prefetchLinked(img, opening);
            return null;
          }, openPool);
    }
  }

  /**
   * Once an image's layers are open: fetches what the container will exec first (while podman
   * is still setting it up), and from then on the libraries of each shared object it loads.
   */
  private void prefetchLinked(MountedImage img, List<CompletableFuture<MountedLayer>> opening) {
    List<MountedLayer> open = new ArrayList<>();
    List<LayerIndex> indexes = new ArrayList<>();
    for (CompletableFuture<MountedLayer> f : opening) {
      if (!f.isCompletedExceptionally()) {
        open.add(f.join());
        indexes.add(f.join().index());
      }
    }
    MergedView<MountedLayer> view = new MergedView<>(open, indexes);
    LayerFiles files = new LayerFiles();
    LibraryPrefetcher<MountedLayer> libraries =
        new LibraryPrefetcher<>(img.reference(), view, files, libraryPool);
    for (MountedLayer l : open) {
      // a layer shared by several images follows the image that opened it last
      l.fetcher().onSharedObjectFetched(libraries::arrived);
    }
    // the closure parses the programs and libraries it fetches (and fetches what they link): the
    // library prefetcher need not parse them again when they arrive
    EntrypointClosure.Files<MountedLayer> closureFiles = new EntrypointClosure.Files<>() {
      @Override
      public void fetch(MergedView.Found<MountedLayer> f) {
        libraries.parsedElsewhere(f.path());
        files.fetch(f);
      }

      @Override
      public ElfLinks.Bytes bytes(MergedView.Found<MountedLayer> f) {
        return files.bytes(f);
      }
    };
    try {
      List<String> fetched = EntrypointClosure.fetch(img.resolved().config(), view, closureFiles);
      LOG.fine(() -> img.reference() + ": prefetching the entrypoint closure " + fetched);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, img.reference() + ": entrypoint prefetch stopped", e);
    }
  }

  /** The lazily served layer {@code index} of {@code img}, opening it if needed. */
  MountedLayer layer(MountedImage img, int index) throws NotLazyException, IOException {
    LayerDescriptor d = img.resolved().layers().get(index);
    NotLazyException known = notLazy.get(d.digest());
    if (known != null) {
      throw fallback(known.reason(), img.reference() + "@" + d.digest(),
          "layer " + d.digest() + " of " + img.reference() + " is pulled normally: "
              + known.getMessage(), null);
    }
    Slot<MountedLayer> slot = layerSlot(img, index);
    try {
      MountedLayer l = slot.future().get(config.resolveTimeout().toMillis(), TimeUnit.MILLISECONDS);
      l.touch();
      return l;
    } catch (ExecutionException e) {
      Throwable c = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
      if (c instanceof NotLazyException nl) {
        throw fallback(nl.reason(), img.reference() + "@" + d.digest(),
            "layer " + d.digest() + " of " + img.reference() + " is pulled normally: "
                + nl.getMessage(), null);
      }
      throw fallback(NotLazyException.Reason.BAD_LAYER, img.reference() + "@" + d.digest(),
          "layer " + d.digest() + " of " + img.reference() + " cannot be opened: " + messageOf(c),
          c);
    } catch (TimeoutException e) {
      throw new IOException("opening layer " + d.digest() + " took longer than "
          + config.resolveTimeout().toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  private Slot<MountedLayer> layerSlot(MountedImage img, int index) {
    LayerDescriptor d = img.resolved().layers().get(index);
    return layers.compute(d.digest(), (k, cur) -> {
      if (cur != null && cur.reusable(config.failureRetry())) {
        return cur;
      }
      CompletableFuture<MountedLayer> f = CompletableFuture.supplyAsync(() -> {
        try {
          return openLayer(img, index);
        } catch (NotLazyException e) {
          notLazy.put(d.digest(), e);
          throw new CompletionException(e);
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, openPool);
      return new Slot<>(f, System.currentTimeMillis());
    });
  }

  private MountedLayer openLayer(MountedImage img, int index)
      throws IOException, NotLazyException {
    // shared store lock: the collector cannot decide while this layer's content becomes live
    try (StoreLock.Held held = storeLock.sharedHeld()) {
      return openLayerLocked(img, index);
    }
  }

  private MountedLayer openLayerLocked(MountedImage img, int index)
      throws IOException, NotLazyException {
    LayerDescriptor d = img.resolved().layers().get(index);
    Digest diffId = img.resolved().diffIds().get(index);
    long t0 = System.nanoTime();
    Optional<EarlyTocReads.Read> early = earlyTocs.take(d.digest());
    boolean internal = isInternal(img.reference());
    if (internal) {
      internalLayers.add(d.digest());
    }
    BlobSource blob;
    CachingLayerOpener.Opened opened;
    if (early.isPresent()) {
      blob = early.get().blob();
      opened = early.get().opened();
    } else {
      blob = source.openBlob(img.resolved(), d);
      try {
        opened = opener.open(d, blob, !internal);
      } catch (IOException | NotLazyException | RuntimeException e) {
        blob.close();
        throw e;
      }
    }
    long tOpened = System.nanoTime();
    LayerIndex index1 = opened.toc().index();
    String name = img.reference() + "@" + d.digest().shortHex();
    LayerTree tree = LayerTree.build(index1, inodes, name);
    long tTree = System.nanoTime();
    LOG.fine(() -> name + ": TOC " + (early.isPresent() ? "read early, waited for " : "read in ")
        + (tOpened - t0) / 1_000_000 + " ms, tree built in "
        + (tTree - tOpened) / 1_000_000 + " ms");
    LayerFetcher fetcher = new LayerFetcher(name, index1, blob, opened.format().codec(), fetch,
        config.fetch());
    FileContent content = new FileContent(fetcher, fetch.cache(), config.readTimeout());
    ExactDiffSize diffSize = new ExactDiffSize(d, index1.format(), index1,
        opened.toc().tarSplitDigest(), blob, opened.measuredDiffSize(),
        internal ? n -> { } : n -> opener.rememberDiffSize(d.digest(), n));
    MountedLayer layer = new MountedLayer(d, diffId, opened.toc().tocDigest(), index1.format(),
        tree, fetcher, content, blob, diffSize, LayerIdSets.of(index1), inodes.next(),
        inodes.next(), inodes.next(), opened.fromStore());
    fetcher.startBackground();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    LOG.log(announce(img.reference()), () -> "serving layer " + d.digest() + " of "
        + img.reference() + " lazily: "
        + index1.format().displayName() + ", " + index1.entries().size() + " entries, "
        + d.size() + " bytes, TOC " + (opened.fromStore() ? "from the local store" : "fetched")
        + " in " + ms + " ms");
    return layer;
  }

  /**
   * The {@code info} file of {@code layer} under its blob digest (podman 4.x, 5.0), measuring the
   * exact tar size on the first call.
   *
   * @throws NotLazyException (counted, logged once per layer) if the size cannot be known: podman
   *     then pulls the layer normally
   */
  byte[] blobDigestInfo(MountedImage img, MountedLayer layer) throws NotLazyException {
    try {
      return layer.blobInfo();
    } catch (NotLazyException e) {
      throw fallback(e.reason(), layer.digest().toString(), "layer " + layer.digest() + " of "
          + img.reference() + " is not served under its blob digest (podman 4.x / 5.0 would"
          + " need its exact tar size): " + e.getMessage(), null);
    }
  }

  private NotLazyException fallback(NotLazyException.Reason reason, String subject,
      String message, Throwable cause) {
    counters.increment(reason);
    if (loggedFallbacks.putIfAbsent(reason.code() + " " + subject, Boolean.TRUE) == null) {
      if (cause != null && !(cause instanceof IOException)) {
        LOG.log(Level.WARNING, message + " (podman pulls it normally)", cause);
      } else {
        LOG.warning(message + " (podman pulls it normally)");
      }
    }
    return new NotLazyException(reason, message, cause);
  }

  private static String messageOf(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }

  // ---- references (the ALS "use" file and rmdir) ----

  void acquire(MountedImage img, MountedLayer layer) throws IOException {
    int n;
    try (StoreLock.Held held = storeLock.sharedHeld()) {
      n = references.acquire(img.reference(), layer.digest());
    }
    LOG.log(announce(img.reference()), () -> "layer " + layer.digest() + " of "
        + img.reference() + " is in use ("
        + n + " reference(s))");
  }

  void release(MountedImage img, Digest layer) throws IOException {
    int n = references.release(img.reference(), layer);
    if (n < 0) {
      LOG.info(() -> "release of layer " + layer + " of " + img.reference()
          + " that holds no reference (ignored)");
    } else {
      LOG.log(announce(img.reference()), () -> "layer " + layer + " of " + img.reference()
          + " released (" + n
          + " reference(s) left)");
    }
  }

  /** Unloads layers nobody references and nobody used for the grace period. */
  void unloadReleased() {
    Instant cutoff = Instant.now().minus(config.releaseGrace());
    Map<Digest, References.LayerRefs> refs = references.snapshot();
    for (Map.Entry<Digest, Slot<MountedLayer>> e : layers.entrySet()) {
      Slot<MountedLayer> s = e.getValue();
      if (!s.future().isDone() || s.future().isCompletedExceptionally()) {
        continue;
      }
      MountedLayer l = s.future().join();
      References.LayerRefs r = refs.get(e.getKey());
      boolean referenced = r != null && r.total() > 0;
      if (!referenced && l.lastUsed().isBefore(cutoff) && layers.remove(e.getKey(), s)) {
        l.close();
        LOG.log(internalLayers.contains(e.getKey()) ? Level.FINE : Level.INFO,
            () -> "unloaded layer " + e.getKey() + ": unreferenced and unused since "
            + l.lastUsed());
      }
    }
  }

  @Override
  public void close() {
    housekeeping.shutdownNow();
    libraryPool.shutdownNow();
    openPool.shutdownNow();
    try {
      // an opener interrupted mid-way may still be keeping a TOC in the store
      openPool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Slot<MountedLayer> s : layers.values()) {
      if (s.future().isDone() && !s.future().isCompletedExceptionally()) {
        s.future().join().close();
      }
    }
  }
}
