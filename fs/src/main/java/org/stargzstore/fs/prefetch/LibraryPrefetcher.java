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
 * <p>How far links are followed depends on whether the shared object is being loaded: one a
 * container opened, or one linked by such a one, has its links followed transitively. A module
 * that only arrived with its directory's read-ahead ({@code _sqlite3.so}, {@code nis.so} next to
 * {@code _json.so}) may be imported next, so its own links are fetched too, but not theirs until
 * a container opens it: followed transitively, such modules brought a megabyte of libraries
 * nobody loaded (Kerberos behind {@code nis}, ncurses behind {@code _curses_panel}) per Python
 * start, sent at once ahead of the reads that were waiting.
 *
 * @param <L> what identifies a layer to the caller
 */
public final class LibraryPrefetcher<L> {
  private static final Logger LOG = Logger.getLogger(LibraryPrefetcher.class.getName());

  private final String name;
  private final MergedView<L> view;
  private final EntrypointClosure.Files<L> files;
  private final Executor executor;
  /** Shared objects being loaded: opened by a container, or linked by one that is. */
  private final Set<String> loading = ConcurrentHashMap.newKeySet();
  /** Parsed as being loaded: their links are being loaded too. */
  private final Set<String> followed = ConcurrentHashMap.newKeySet();
  /** Parsed on arrival while unopened: their links were fetched, not followed further. */
  private final Set<String> peeked = ConcurrentHashMap.newKeySet();
  /** Fetched only because an unopened module links them: not parsed on arrival. */
  private final Set<String> linkedByUnopened = ConcurrentHashMap.newKeySet();
  /** Arrived while nobody was loading them: followed once they are. */
  private final Set<String> arrivedUnloaded = ConcurrentHashMap.newKeySet();

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
    loading.add(path);
    followed.add(path);
  }

  /**
   * A container opened {@code fileName} (layer-relative) for the first time: a shared object
   * among such files is being loaded, and its links are followed once it has arrived (at once if
   * it already has).
   */
  public void opened(String fileName) {
    if (SharedObjects.isSharedObject(fileName)) {
      nowLoading("/" + fileName);
    }
  }

  /**
   * A shared object named {@code fileName} (layer-relative) was fetched whole. One being loaded
   * has its links followed; one that arrived unopened (read ahead) has its own links fetched;
   * one fetched only because such a module links it waits until it is loaded.
   */
  public void arrived(String fileName) {
    String path = "/" + fileName;
    if (!loading.contains(path)) {
      arrivedUnloaded.add(path);
      // loaded meanwhile: whichever of the two sees both follows it (once)
      if (!loading.contains(path) || !arrivedUnloaded.remove(path)) {
        if (!linkedByUnopened.contains(path)) {
          parse(path, false);
        }
        return;
      }
    }
    parse(path, true);
  }

  private void nowLoading(String path) {
    loading.add(path);
    if (arrivedUnloaded.remove(path)) {
      parse(path, true);
    }
  }

  private void parse(String path, boolean follow) {
    if (!(follow ? followed.add(path) : !followed.contains(path) && peeked.add(path))) {
      return;
    }
    try {
      executor.execute(() -> prefetchLinks(path, follow));
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  private void prefetchLinks(String path, boolean follow) {
    try {
      Optional<MergedView.Found<L>> so = view.resolve(path);
      if (so.isEmpty() || !so.get().path().equals(path)) {
        return;
      }
      for (MergedView.Found<L> lib : LinkedFiles.of(so.get(), ElfLinks.of(files.bytes(so.get())),
          view)) {
        String l = lib.path();
        if (followed.contains(l) || (!follow && linkedByUnopened.contains(l))) {
          continue;
        }
        LOG.fine(() -> name + ": " + path + (follow ? "" : " (read ahead, not opened)")
            + " links " + l + ": prefetching it");
        if (follow) {
          nowLoading(l);
        } else {
          linkedByUnopened.add(l);
        }
        files.fetch(lib);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, name + ": cannot read the links of " + path, e);
    }
  }
}
