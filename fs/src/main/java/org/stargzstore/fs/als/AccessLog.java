package org.stargzstore.fs.als;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The files of one layer in the order a workload first opened them: what {@code convert
 * --optimize} puts first in the layer (before a prefetch landmark), so the next cold start
 * fetches them in one request instead of one round trip each. One set insertion per first open.
 */
public final class AccessLog {
  private static final int MAX_FILES = 200_000;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
  private volatile Consumer<String> firstOpenListener;

  /** A container opened {@code name}; true the first time (a start-up is still going on). */
  boolean opened(String name) {
    if (seen.size() < MAX_FILES && seen.add(name)) {
      order.add(name);
      Consumer<String> l = firstOpenListener;
      if (l != null) {
        l.accept(name);
      }
      return true;
    }
    return false;
  }

  /**
   * Tells {@code listener} of each file a container opens for the first time (the library
   * prefetcher: a shared object opened is one the loader is loading). One listener; a later one
   * replaces it (a layer shared by several images follows the image that opened it last).
   */
  public void onFirstOpen(Consumer<String> listener) {
    this.firstOpenListener = listener;
  }

  /** How many files were opened so far. */
  public int size() {
    return seen.size();
  }

  /** File names (normalised layer names) in first-open order. */
  public List<String> files() {
    return List.copyOf(order);
  }
}
