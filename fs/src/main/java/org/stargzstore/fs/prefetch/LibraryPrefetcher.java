package org.stargzstore.fs.prefetch;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;
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
 * <p>Each shared object has one {@link State}, changed atomically per event: whoever makes a
 * transition does what it calls for (parse, fetch), so an arrival racing an open is followed
 * exactly once.
 *
 * @param <L> what identifies a layer to the caller
 */
public final class LibraryPrefetcher<L> {
  private static final Logger LOG = Logger.getLogger(LibraryPrefetcher.class.getName());

  /** Where one shared object stands; a path without one is {@link #UNSEEN}. */
  enum State {
    UNSEEN,
    /** Fetched only because an unopened module links it: not parsed when it arrives. */
    LINKED_BY_UNOPENED,
    /** Arrived while nobody loads it (its own links fetched if it was read ahead). */
    ARRIVED_UNLOADED,
    /** Being loaded (opened, or linked by one being loaded), not arrived yet. */
    LOADING,
    /** Being loaded and parsed (here or elsewhere): its links are being loaded too. Final. */
    FOLLOWED;

    /** A container or a loaded object's link loads it. */
    State loading() {
      return this == ARRIVED_UNLOADED || this == FOLLOWED ? FOLLOWED : LOADING;
    }

    /** It was fetched whole. */
    State arrived() {
      return this == LOADING || this == FOLLOWED ? FOLLOWED : ARRIVED_UNLOADED;
    }

    /** A module that arrived unopened links it. */
    State linkedByUnopened() {
      return this == UNSEEN ? LINKED_BY_UNOPENED : this;
    }
  }

  /** One transition of one path, as it happened. */
  private record Change(State before, State after) {
    boolean became(State s) {
      return before != s && after == s;
    }
  }

  private final String name;
  private final MergedView<L> view;
  private final EntrypointClosure.Files<L> files;
  private final Executor executor;
  private final Map<String, State> states = new ConcurrentHashMap<>();

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
    states.put(path, State.FOLLOWED);
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
    Change c = advance(path, State::arrived);
    if (c.became(State.FOLLOWED)) {
      parse(path, true);
    } else if (c.before() == State.UNSEEN) {
      parse(path, false);
    }
  }

  private void nowLoading(String path) {
    if (advance(path, State::loading).became(State.FOLLOWED)) {
      parse(path, true);
    }
  }

  private Change advance(String path, UnaryOperator<State> step) {
    State[] before = new State[1];
    State after = states.compute(path, (p, s) -> {
      before[0] = s == null ? State.UNSEEN : s;
      return step.apply(before[0]);
    });
    return new Change(before[0], after);
  }

  private void parse(String path, boolean follow) {
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
        Change c = follow ? advance(l, State::loading) : advance(l, State::linkedByUnopened);
        if (c.before() == State.FOLLOWED
            || (!follow && c.before() != State.UNSEEN && c.before() != State.LOADING)) {
          continue;
        }
        LOG.fine(() -> name + ": " + path + (follow ? "" : " (read ahead, not opened)")
            + " links " + l + ": prefetching it");
        if (c.became(State.FOLLOWED)) {
          parse(l, true);
        }
        files.fetch(lib);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, name + ": cannot read the links of " + path, e);
    }
  }
}
