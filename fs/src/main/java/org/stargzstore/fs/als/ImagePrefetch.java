package org.stargzstore.fs.als;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.prefetch.ElfLinks;
import org.stargzstore.fs.prefetch.EntrypointClosure;
import org.stargzstore.fs.prefetch.ImageCommand;
import org.stargzstore.fs.prefetch.LibraryPrefetcher;
import org.stargzstore.fs.prefetch.MergedView;
import org.stargzstore.fs.prefetch.python.PythonImportFollower;
import org.stargzstore.fs.prefetch.python.PythonStartUp;

/**
 * Once an image's layers are open: fetches what the container will exec first (while podman is
 * still setting it up), and from then on the libraries of each shared object it loads and, for
 * a Python program, the modules it will import. Wires the {@code fs/prefetch} policies to an
 * image's layers; the policies themselves live there.
 */
final class ImagePrefetch {
  // the layer store's logger: its lines keep the name operators know
  private static final Logger LOG = Logger.getLogger(LayerStore.class.getName());

  private final Executor openPool;
  /** Parses shared objects as they arrive, for the libraries they link. */
  private final ExecutorService libraryPool;

  ImagePrefetch(Executor openPool, ExecutorService libraryPool) {
    this.openPool = openPool;
    this.libraryPool = libraryPool;
  }

  /** Starts the prefetch of {@code img} on {@code layer-open} once all of {@code opening} end. */
  void whenOpen(MountedImage img, List<CompletableFuture<MountedLayer>> opening) {
    CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
        .handleAsync((v, t) -> {
          prefetchLinked(img, opening);
          return null;
        }, openPool);
  }

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
    AtomicReference<PythonImportFollower<MountedLayer>> python = new AtomicReference<>();
    for (MountedLayer l : open) {
      // a layer shared by several images follows the image that opened it last
      l.fetcher().onSharedObjectFetched(libraries::arrived);
      l.accesses().onFirstOpen(f -> {
        libraries.opened(f);
        PythonImportFollower<MountedLayer> p = python.get();
        if (p != null) {
          p.opened("/" + f);
        }
      });
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
      // a Python program's imports go once the program itself has been asked for: on a shared
      // link, what is asked for first arrives first
      List<String> fetched = EntrypointClosure.fetch(img.resolved().config(), view, closureFiles,
          () -> startPythonUnlessKnown(img, open, view, files, libraries, python));
      LOG.fine(() -> img.reference() + ": prefetching the entrypoint closure " + fetched);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, img.reference() + ": entrypoint prefetch stopped", e);
    }
  }

  /**
   * Starts the Python import follower once the layers' access profiles are looked up, if none
   * of them knows the start-up (a profile, or prioritized files): predictions sent at once would
   * take the link from the recorded start-up's own order.
   */
  private void startPythonUnlessKnown(MountedImage img, List<MountedLayer> open,
      MergedView<MountedLayer> view, LayerFiles files, LibraryPrefetcher<MountedLayer> libraries,
      AtomicReference<PythonImportFollower<MountedLayer>> python) {
    List<CompletableFuture<Boolean>> known = open.stream().map(MountedLayer::knowsStartUp)
        .toList();
    CompletableFuture.allOf(known.toArray(CompletableFuture[]::new)).thenRunAsync(() -> {
      if (known.stream().anyMatch(CompletableFuture::join)) {
        LOG.fine(() -> img.reference() + ": its start-up is recorded (access profile or"
            + " prioritized files): no Python import prediction");
        return;
      }
      startPython(img, open, view, files, libraries, python);
    }, openPool).exceptionally(e -> {
      LOG.log(Level.FINE, img.reference() + ": Python import prefetch not started", e);
      return null;
    });
  }

  private void startPython(MountedImage img, List<MountedLayer> open,
      MergedView<MountedLayer> view, LayerFiles files, LibraryPrefetcher<MountedLayer> libraries,
      AtomicReference<PythonImportFollower<MountedLayer>> python) {
    try {
      Optional<PythonImportFollower<MountedLayer>> follower = PythonStartUp.begin(
          img.reference(), ImageCommand.of(img.resolved().config()), view, files, libraryPool,
          libraries::parsedElsewhere);
      follower.ifPresent(p -> {
        python.set(p);
        // what a module's reader reads next is the follower's to predict, not its directory's
        for (MountedLayer l : open) {
          l.fetcher().neighboursFollowedElsewhere(name -> p.follows("/" + name));
        }
      });
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, img.reference() + ": Python import prefetch stopped", e);
    }
  }
}
