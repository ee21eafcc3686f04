package org.stargzstore.fs.prefetch;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.fs.fetch.SharedObjects;

/**
 * Fetches the libraries a shared object links as soon as the shared object itself arrives. An
 * interpreter loads native modules late and one at a time ({@code import ssl} loads
 * {@code _ssl.so}, whose loading then opens {@code libssl}, then {@code libcrypto}): each
 * library would otherwise be a miss of its own, one after another. Measured on the Python image,
 * five such misses cost about 0.5 s at 50 Mbit/s + 25 ms.
 *
 * <p>Only shared objects that are being loaded count: one a container opened, or one this
 * prefetcher fetched because a loaded one links it. A module that merely arrived with its
 * directory's read-ahead ({@code nis.so} next to {@code _json.so}) is parsed only if a container
 * opens it later: its links were measured to be a megabyte of libraries nobody loads (Kerberos,
 * ncurses), sent at once ahead of the reads that were waiting.
 *
 * @param <L> what identifies a layer to the caller
 */
public final class LibraryPrefetcher<L> {
  private static final Logger LOG = Logger.getLogger(LibraryPrefetcher.class.getName());

  private final String name;
  private final MergedView<L> view;
  private final EntrypointClosure.Files<L> files;
  private final Executor executor;
  private final Set<String> parsed = ConcurrentHashMap.newKeySet();
  /** Shared objects being loaded: opened by a container, or linked by one that was. */
  private final Set<String> loading = ConcurrentHashMap.newKeySet();
  /** Shared objects that arrived while nobody was loading them: parsed when one is opened. */
  private final Set<String> arrivedUnopened = ConcurrentHashMap.newKeySet();

  /**
   * @param name what logs call the image
   * @param executor where shared objects are parsed (their bytes are cached by then)
   */
  public LibraryPrefetcher(String name, MergedView<L> view, EntrypointClosure.Files<L> files,
      Executor executor) {
    this.name = name;
    this.view = view;
    this.files = files;
    this.executor = executor;
  }

  /**
   * Someone else parses the file at {@code path} and fetches what it links (the entrypoint
   * closure does, for every file it fetches): its arrival needs no second parse.
   */
  public void parsedElsewhere(String path) {
    parsed.add(path);
  }

  /**
   * A container opened {@code fileName} (layer-relative) for the first time: a shared object
   * among such files is being loaded, and its links are fetched once it has arrived (at once if
   * it already has).
   */
  public void opened(String fileName) {
    if (!SharedObjects.isSharedObject(fileName)) {
      return;
    }
    String path = "/" + fileName;
    loading.add(path);
    if (arrivedUnopened.remove(path)) {
      parse(path);
    }
  }

  /**
   * A shared object named {@code fileName} (layer-relative) was fetched whole; each is parsed
   * once, and only if it is being loaded ({@link #opened}, or linked by a loaded one).
   */
  public void arrived(String fileName) {
    String path = "/" + fileName;
    if (!loading.contains(path)) {
      arrivedUnopened.add(path);
      // opened meanwhile: whichever of the two sees both parses (at most once)
      if (!loading.contains(path) || !arrivedUnopened.remove(path)) {
        return;
      }
    }
    parse(path);
  }

  private void parse(String path) {
    if (!parsed.add(path)) {
      return;
    }
    try {
      executor.execute(() -> prefetchLinks(path));
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  private void prefetchLinks(String path) {
    try {
      Optional<MergedView.Found<L>> so = view.resolve(path);
      if (so.isEmpty() || !so.get().path().equals(path)) {
        return;
      }
      for (MergedView.Found<L> lib : LinkedFiles.of(so.get(), ElfLinks.of(files.bytes(so.get())),
          view)) {
        if (!parsed.contains(lib.path())) {
          LOG.fine(() -> name + ": " + path + " links " + lib.path() + ": prefetching it");
          loading.add(lib.path());
          files.fetch(lib);
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, name + ": cannot read the links of " + path, e);
    }
  }
}
