package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Optional;
import java.util.logging.Logger;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.fetch.FetchContext;
import org.stargzstore.fs.fetch.LayerFetcher;
import org.stargzstore.fs.fetch.StartTimeline;
import org.stargzstore.fs.store.StoreLock;
import org.stargzstore.fs.tree.InodeNumbers;
import org.stargzstore.fs.tree.LayerTree;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Makes one layer of an image servable: takes its early TOC read or reads the TOC (from the store
 * or the registry), builds its tree and starts its fetcher. Which layers are open, and for how
 * long, is {@link LayerCache}'s business.
 */
final class LayerMounter {
  // the layer store's logger: its lines keep the name operators know
  private static final Logger LOG = Logger.getLogger(LayerStore.class.getName());

  private final ImageSource source;
  private final CachingLayerOpener opener;
  private final FetchContext fetch;
  private final LayerStoreConfig config;
  private final EarlyTocReads earlyTocs;
  private final StoreLock storeLock;
  /** Null when access profiles are off. */
  private final ImageProfiles profiles;

  LayerMounter(ImageSource source, CachingLayerOpener opener, FetchContext fetch,
      LayerStoreConfig config, EarlyTocReads earlyTocs, StoreLock storeLock,
      ImageProfiles profiles) {
    this.profiles = profiles;
    this.source = source;
    this.opener = opener;
    this.fetch = fetch;
    this.config = config;
    this.earlyTocs = earlyTocs;
    this.storeLock = storeLock;
  }

  /**
   * Opens layer {@code index} of {@code img}.
   *
   * @throws NotLazyException if the layer is not an eStargz / zstd:chunked layer
   * @throws IOException if its blob or TOC cannot be read (the cause says why)
   */
  MountedLayer mount(MountedImage img, int index) throws IOException, NotLazyException {
    // shared store lock: the collector cannot decide while this layer's content becomes live
    try (StoreLock.Held held = storeLock.sharedHeld()) {
      return mountLocked(img, index);
    }
  }

  private MountedLayer mountLocked(MountedImage img, int index)
      throws IOException, NotLazyException {
    LayerDescriptor d = img.resolved().layers().get(index);
    Digest diffId = img.resolved().diffIds().get(index);
    long t0 = System.nanoTime();
    StartTimeline timeline = new StartTimeline();
    Optional<EarlyTocReads.Read> early = earlyTocs.take(d.digest());
    boolean internal = source.isInternal(img.reference());
    BlobSource blob;
    CachingLayerOpener.Opened opened;
    if (early.isPresent()) {
      blob = early.get().blob();
      opened = early.get().opened();
      timeline.markAt(StartTimeline.Milestone.TOC_REQUESTED, early.get().requestedAt());
      timeline.markAt(StartTimeline.Milestone.TOC_LOADED, early.get().loadedAt());
    } else {
      timeline.mark(StartTimeline.Milestone.TOC_REQUESTED);
      blob = earlyTocs.wrap(d, source.openBlob(img.resolved(), d));
      try {
        opened = opener.open(d, blob, !internal);
      } catch (IOException | NotLazyException | RuntimeException e) {
        blob.close();
        throw e;
      }
      timeline.mark(StartTimeline.Milestone.TOC_LOADED);
    }
    long tOpened = System.nanoTime();
    LayerIndex index1 = opened.toc().index();
    String name = img.reference() + "@" + d.digest().shortHex();
    // numbered from the image and layer names, in TOC order: the same numbers in every process
    InodeNumbers inodes = InodeNumbers.of(img.inodeKey() + "/" + d.digest());
    LayerTree tree = LayerTree.build(index1, inodes, name);
    long tTree = System.nanoTime();
    LOG.fine(() -> name + ": TOC " + (early.isPresent() ? "read early, waited for " : "read in ")
        + (tOpened - t0) / 1_000_000 + " ms, tree built in "
        + (tTree - tOpened) / 1_000_000 + " ms");
    CompletableFuture<List<String>> profiled = profiles == null || internal
        ? CompletableFuture.completedFuture(List.of()) : profiles.filesFor(img, d.digest());
    LayerFetcher fetcher = new LayerFetcher(name, index1, blob, opened.format().codec(), fetch,
        config.fetch(), timeline);
    FileContent content = new FileContent(fetcher, fetch.cache(), config.readTimeout());
    ExactDiffSize diffSize = new ExactDiffSize(d, index1.format(), index1,
        opened.toc().tarSplitDigest(), blob, opened.measuredDiffSize(),
        internal ? n -> { } : n -> opener.rememberDiffSize(d.digest(), n));
    MountedLayer layer = new MountedLayer(d, diffId, opened.toc().tocDigest(), index1.format(),
        tree, fetcher, content, blob, diffSize, LayerIdSets.of(index1), inodes.next(),
        inodes.next(), inodes.next(), opened.fromStore(), profiled);
    // a profile still on its way from the registry holds back the background, never the layer
    timeline.mark(StartTimeline.Milestone.SERVED);
    profiled.thenAccept(files -> {
      if (!files.isEmpty()) {
        timeline.mark(StartTimeline.Milestone.PROFILE_ARRIVED);
        LOG.info(() -> name + ": fetching the " + files.size()
            + " file(s) of its access profile first");
      }
      timeline.mark(StartTimeline.Milestone.BACKGROUND_STARTED);
      fetcher.startBackground(files);
    });
    long ms = (System.nanoTime() - t0) / 1_000_000;
    LOG.log(Announce.level(source, img.reference()), () -> "serving layer " + d.digest()
        + " of " + img.reference() + " lazily: "
        + index1.format().displayName() + ", " + index1.entries().size() + " entries, "
        + d.size() + " bytes, TOC " + (opened.fromStore() ? "from the local store" : "fetched")
        + " in " + ms + " ms");
    return layer;
  }
}
