package org.stargzstore.fs.als;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Logger;
import org.stargzstore.fs.fetch.StartTimeline;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.StoreLock;
import org.stargzstore.types.Digest;

/**
 * The images podman asked about, by normalised reference: resolves each once (from the record an
 * earlier run kept in the store, else from the registry, starting the layers' TOC reads as soon
 * as the manifest is in), keeps users' resolutions in the store for the next run, resolves again
 * when a tag may have moved, and retries a failure after {@code failure_retry}.
 */
final class ImageCache {
  // the layer store's logger: its lines keep the name operators know
  private static final Logger LOG = Logger.getLogger(LayerStore.class.getName());

  private final ImageSource source;
  private final ImageRecords imageRecords;
  private final StoreLock storeLock;
  private final LayerStoreConfig config;
  private final EarlyTocReads earlyTocs;
  private final Predicate<Digest> layerOpenOrOpening;
  private final Consumer<MountedImage> resolved;
  private final BiConsumer<String, ImageSource.EarlyManifest> manifestKnown;
  private final FallbackLog fallbacks;
  private final Executor openPool;
  private final ConcurrentHashMap<String, Slot<MountedImage>> images = new ConcurrentHashMap<>();

  /**
   * @param layerOpenOrOpening whether a layer needs no early TOC read (it is open or opening)
   * @param manifestKnown told a reference's manifest as soon as it is in, before the config,
   *     on the resolving thread (it starts the access profile lookup; not told for a resolution
   *     kept in the store)
   * @param resolved told each image once it is resolved, on the resolving thread (it starts
   *     opening the image's layers)
   */
  ImageCache(ImageSource source, ImageRecords imageRecords, StoreLock storeLock,
      LayerStoreConfig config, EarlyTocReads earlyTocs,
      Predicate<Digest> layerOpenOrOpening,
      BiConsumer<String, ImageSource.EarlyManifest> manifestKnown,
      Consumer<MountedImage> resolved, FallbackLog fallbacks, Executor openPool) {
    this.source = source;
    this.imageRecords = imageRecords;
    this.storeLock = storeLock;
    this.config = config;
    this.earlyTocs = earlyTocs;
    this.layerOpenOrOpening = layerOpenOrOpening;
    this.manifestKnown = manifestKnown;
    this.resolved = resolved;
    this.fallbacks = fallbacks;
    this.openPool = openPool;
  }

  /** The images resolved so far, users' only (not the daemon's own). */
  List<MountedImage> usersImages() {
    List<MountedImage> out = new ArrayList<>();
    for (Slot<MountedImage> s : images.values()) {
      s.value().filter(img -> !source.isInternal(img.reference())).ifPresent(out::add);
    }
    return out;
  }

  /** The image a directory name stands for, resolving it on first use. */
  MountedImage image(String directoryName) throws NotLazyException {
    String decoded;
    try {
      decoded = ImageDirectoryName.decode(directoryName);
    } catch (IllegalArgumentException e) {
      throw fallbacks.fallback(NotLazyException.Reason.BAD_NAME, directoryName,
          "not an image directory name: " + e.getMessage(), null);
    }
    String ref;
    try {
      ref = source.normalize(decoded);
    } catch (IllegalArgumentException e) {
      throw fallbacks.fallback(NotLazyException.Reason.BAD_REFERENCE, decoded,
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
      // a resolution again (a tag may have moved) keeps the first lookup's timeline
      StartTimeline timeline = cur == null ? new StartTimeline()
          : cur.value().map(MountedImage::timeline).orElseGet(StartTimeline::new);
      timeline.mark(StartTimeline.Milestone.LOOKUP);
      return Slot.started(CompletableFuture.supplyAsync(() -> {
        try {
          return resolveNow(dirName, ref, force, timeline);
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, openPool));
    });
    try {
      return slot.future().get(config.resolveTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
      throw fallbacks.fallback(
          source.fallbackReason(c).orElse(NotLazyException.Reason.REGISTRY_ERROR), ref,
          "cannot resolve " + ref + ": " + FallbackLog.messageOf(c), c);
    } catch (TimeoutException e) {
      throw fallbacks.fallback(NotLazyException.Reason.REGISTRY_ERROR, ref, "resolving " + ref
          + " took longer than " + config.resolveTimeout().toSeconds() + " s", null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotLazyException(NotLazyException.Reason.REGISTRY_ERROR, "interrupted");
    }
  }

  private MountedImage resolveNow(String dirName, String ref, boolean force,
      StartTimeline timeline) throws IOException {
    Optional<ResolvedImage> stored = force ? Optional.empty() : fromRecord(ref);
    ResolvedImage r = stored.isPresent() ? stored.get() : resolveReadingTocs(ref, timeline);
    timeline.mark(StartTimeline.Milestone.MANIFEST);
    timeline.mark(StartTimeline.Milestone.RESOLVED);
    MountedImage img = new MountedImage(dirName, r, stored.isPresent(), null, timeline);
    LOG.log(Announce.level(source, ref), () -> "resolved " + ref + " to " + r.manifestDigest()
        + " (" + r.layers().size() + " layers"
        + (stored.isPresent() ? ", from the local store" : "") + ")");
    if (stored.isEmpty() && !source.isInternal(ref)) {
      openPool.execute(() -> remember(r));
    }
    resolved.accept(img);
    return img;
  }

  /**
   * Resolves {@code ref}, starting the TOC reads of its layers (and telling
   * {@code manifestKnown}) once the manifest is in.
   */
  private ResolvedImage resolveReadingTocs(String ref, StartTimeline timeline)
      throws IOException {
    List<Digest> started = new ArrayList<>();
    try {
      return source.resolve(ref, (manifest, blobs) -> {
        timeline.mark(StartTimeline.Milestone.MANIFEST);
        started.addAll(earlyTocs.start(manifest.layers(), blobs, layerOpenOrOpening));
        manifestKnown.accept(ref, manifest);
      });
    } catch (IOException | RuntimeException e) {
      earlyTocs.discard(started);
      throw e;
    }
  }

  /** A resolution kept by an earlier run, if its manifest and config are still stored. */
  private Optional<ResolvedImage> fromRecord(String ref) {
    if (source.isInternal(ref)) {
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
}
