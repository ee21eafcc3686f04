package org.stargzstore.registry;

import java.util.Locale;

/**
 * What a read does when a mirror that has another source after it (a pull-through cache in front
 * of the registry) answers a range request with the whole blob (HTTP 200). Such a cache fetches
 * the blob from the origin once more for every request it cannot serve from its storage
 * (distribution 2.8: once to store it, once per streamed answer), so reading the 200 to its end
 * costs the origin a second copy; closing it at once and coming back with {@code Range} once the
 * cache holds the blob costs the origin about one.
 */
public enum RangeIgnoredByMirror {
  /**
   * Close the 200 at once and wait, within a budget, until the mirror answers a small probe
   * range with 206 ({@link CacheFill}); then read ranges from it. Past the budget, reads go to
   * the next source while the probing goes on.
   */
  WAIT_FOR_CACHE,
  /** Keep the 200 and spool it to disk (as for a registry that ignores Range itself). */
  SPOOL;

  /** Parses {@code wait-for-cache} or {@code spool} (any case, {@code _} or {@code -}). */
  public static RangeIgnoredByMirror parse(String s) {
    return switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
      case "wait-for-cache" -> WAIT_FOR_CACHE;
      case "spool" -> SPOOL;
      default -> throw new IllegalArgumentException("unknown range_ignored_by_mirror '" + s
          + "' (use wait-for-cache or spool)");
    };
  }
}
