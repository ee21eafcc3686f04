package org.stargzstore.fs.als;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.stargzstore.fs.fetch.FetchContext;
import org.stargzstore.fs.fetch.SpooledPrefix;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.References;
import org.stargzstore.fs.store.StoreLock;
import org.stargzstore.types.Digest;

/**
 * The additional layer store: what the {@link #root()} node tree asks of it, composed of the
 * parts that do it — the {@link ImageCache} resolves the images podman asks about, the
 * {@link LayerCache} opens their layers (all of an image's layers in parallel on its first
 * lookup) and unloads them, {@link ImagePrefetch} prefetches an image once its layers are open,
 * {@link OtherPlatforms} finds layers of an index's other images, and the {@link FallbackLog}
 * says why anything is not served lazily. It also counts the references podman takes.
 * Its threads are the {@link LayerStorePools} it is given.
 */
public final class LayerStore implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LayerStore.class.getName());

  private final ImageSource source;
  private final References references;
  private final StoreLock storeLock;
  private final FallbackLog fallbacks = new FallbackLog();
  private final ImageCache images;
  private final LayerCache layers;
  private final VerifiedBlobs verifiedBlobs;
  private final OtherPlatforms otherPlatforms;
  /** Null when access profiles are off. */
  private final ProfileRecorder recorder;
  /** Null when access profiles are off. */
  private final ImageProfiles profiles;
  private final Instant started = Instant.now();

  /**
   * @param profiles where access profiles are kept (used if {@code config.profiles()} is on)
   * @param pools the threads to run on; the caller closes them, before this store
   */
  public LayerStore(ImageSource source, CachingLayerOpener opener, FetchContext fetch,
      References references, ImageRecords imageRecords, StoreLock storeLock,
      LayerStoreConfig config, ProfileStore profiles, LayerStorePools pools) {
    this.source = source;
    this.references = references;
    this.storeLock = storeLock;
    EarlyTocReads earlyTocs = new EarlyTocReads(opener, pools.open(), SpooledPrefix.wrapper(
        config.fetch().prefixWithTocBytes(), fetch.cache().store()::newTempFile));
    this.profiles = config.profiles().use()
        ? new ImageProfiles(profiles, config.profiles(), source.profileRegistry(), this::images)
        : null;
    this.otherPlatforms = new OtherPlatforms(source);
    this.verifiedBlobs = new VerifiedBlobs(fetch.cache().store(), config.failureRetry());
    this.layers = new LayerCache(
        new LayerMounter(source, opener, fetch, config, earlyTocs, storeLock, this.profiles),
        fallbacks, source, config, pools.open());
    this.recorder = config.profiles().use()
        ? new ProfileRecorder(profiles, config.profiles().quiet(), layers::usersLayers,
            this.profiles::saved)
        : null;
    if (recorder != null) {
      long tick = Math.max(100, Math.min(2000, config.profiles().quiet().toMillis() / 4));
      pools.housekeeping().scheduleWithFixedDelay(recorder::tick, tick, tick,
          TimeUnit.MILLISECONDS);
    }
    ImagePrefetch prefetch = new ImagePrefetch(pools.open(), pools.library());
    this.images = new ImageCache(source, imageRecords, storeLock, config, earlyTocs,
        layers::openOrOpening, (ref, manifest) -> {
          if (this.profiles != null && !source.isInternal(ref)) {
            this.profiles.manifestKnown(ref, manifest);
          }
        }, img -> {
          if (this.profiles != null && !source.isInternal(img.reference())) {
            this.profiles.imageResolved(img);
          }
          // a tar size that costs requests is measured as each layer opens (podman waits for
          // it), beside the entrypoint's prefetch
          List<CompletableFuture<MountedLayer>> opening = layers.openAll(img);
          opening.forEach(f -> f.thenAccept(l -> l.measureTarSizeEarly(pools.open())));
          if (config.prefetchEntrypoint() && !opening.isEmpty()) {
            prefetch.whenOpen(img, opening);
          }
        }, fallbacks, pools.open());
    long period = Math.max(1, Math.min(60, config.releaseGrace().toSeconds() / 4));
    pools.housekeeping().scheduleWithFixedDelay(this::unloadReleased, period, period,
        TimeUnit.SECONDS);
  }

  /** The tree served at the mount point. */
  public FsNode root() {
    return new AlsNodes.Root(this);
  }

  public References references() {
    return references;
  }

  public FallbackCounters counters() {
    return fallbacks.counters();
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
    List<MountedImage> out = images.usersImages();
    out.addAll(otherPlatforms.all());
    return out;
  }

  /** Whether {@code reference} is one of the daemon's own images (see {@link ImageSource}). */
  public boolean isInternal(String reference) {
    return source.isInternal(reference);
  }

  /** Digests of the layers loaded now (the garbage collector keeps their content). */
  public Set<Digest> loadedLayerDigests() {
    return layers.loadedDigests();
  }

  /** The layer of {@code digest} if it is loaded and lazily served. */
  public Optional<MountedLayer> loadedLayer(Digest digest) {
    return layers.loaded(digest);
  }

  /** Why a layer is not served lazily, if it was found not to be. */
  public Optional<NotLazyException> notLazyReason(Digest digest) {
    return fallbacks.whyNotLazy(digest);
  }

  // ---- resolution ----

  /** The image a directory name stands for, resolving it on first use. */
  MountedImage image(String directoryName) throws NotLazyException {
    return images.image(directoryName);
  }

  /** Resolves again if the cached resolution is older than a few seconds (a tag may have moved). */
  MountedImage refresh(MountedImage img) throws NotLazyException {
    return images.refresh(img);
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
      throw fallbacks.fallback(e.reason(), img.reference() + "@" + name, e.getMessage(),
          e.getCause());
    }
    if (found.isEmpty()) {
      fallbacks.countQuietly(NotLazyException.Reason.UNKNOWN_LAYER);
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

  /** The lazily served layer {@code index} of {@code img}, opening it if needed. */
  MountedLayer layer(MountedImage img, int index) throws NotLazyException, IOException {
    return layers.layer(img, index);
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
      throw fallbacks.fallback(e.reason(), layer.digest().toString(), "layer " + layer.digest()
          + " of " + img.reference() + " is not served under its blob digest (podman 4.x / 5.0"
          + " would need its exact tar size): " + e.getMessage(), null);
    }
  }

  // ---- references (the ALS "use" file and rmdir) ----

  void acquire(MountedImage img, MountedLayer layer) throws IOException {
    int n;
    try (StoreLock.Held held = storeLock.sharedHeld()) {
      n = references.acquire(img.reference(), layer.digest());
    }
    LOG.log(Announce.level(source, img.reference()), () -> "layer " + layer.digest() + " of "
        + img.reference() + " is in use ("
        + n + " reference(s))");
  }

  void release(MountedImage img, Digest layer) throws IOException {
    int n = references.release(img.reference(), layer);
    if (n < 0) {
      LOG.info(() -> "release of layer " + layer + " of " + img.reference()
          + " that holds no reference (ignored)");
    } else {
      LOG.log(Announce.level(source, img.reference()), () -> "layer " + layer + " of "
          + img.reference() + " released (" + n
          + " reference(s) left)");
    }
  }

  /** Unloads layers nobody references and nobody used for the grace period. */
  void unloadReleased() {
    layers.unloadReleased(references, l -> {
      if (recorder != null) {
        recorder.flush(l);
      }
    });
  }

  /** Closes the open layers; close the {@link LayerStorePools} first (openers stopped). */
  @Override
  public void close() {
    if (recorder != null) {
      recorder.flush();
      profiles.close();
    }
    layers.closeAll();
  }
}
