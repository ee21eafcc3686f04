package org.stargzstore.fs.fetch;

/**
 * How a layer's chunks are fetched. Defaults suit a registry a few milliseconds to tens of
 * milliseconds away: a miss costs a round trip, so each request brings neighbours too.
 *
 * @param readAheadBytes compressed bytes fetched after a demanded chunk in the same request
 *     (the next files of its directory in blob order are likely read next)
 * @param mergeGapBytes two wanted ranges this close are fetched as one request
 * @param backgroundRequestBytes size of one request of the background stream
 * @param prefetch fetch the prioritized files (before the landmark) when a layer is opened
 * @param background stream the rest of the layer in the background once it is opened
 * @param yieldToDemand pause background streams while on-demand fetches are under way
 * @param smallFileBytes the background stream fetches files up to this size before the rest
 *     (0: blob order only)
 * @param nearbyBytes when a container misses on a file, the background first fetches up to this
 *     many compressed bytes of the small files in the same directory (interpreters and loaders
 *     read many files of one directory one after another; 0: off)
 * @param prefixWithTocBytes up to this many bytes of an optimized layer's prioritized files
 *     (our converter's annotation, {@link SpooledPrefix}) are asked for together with its TOC
 *     (0: off, and off without {@code prefetch})
 */
public record FetchPolicy(long readAheadBytes, long mergeGapBytes, long backgroundRequestBytes,
    boolean prefetch, boolean background, boolean yieldToDemand, long smallFileBytes,
    long nearbyBytes, long prefixWithTocBytes) {

  /** The default of {@link #prefixWithTocBytes}. */
  public static final long DEFAULT_PREFIX_WITH_TOC = 64L << 20;

  public FetchPolicy {
    if (!prefetch) {
      prefixWithTocBytes = 0;
    }
  }

  /** With {@link #prefixWithTocBytes} at its default. */
  public FetchPolicy(long readAheadBytes, long mergeGapBytes, long backgroundRequestBytes,
      boolean prefetch, boolean background, boolean yieldToDemand, long smallFileBytes,
      long nearbyBytes) {
    this(readAheadBytes, mergeGapBytes, backgroundRequestBytes, prefetch, background,
        yieldToDemand, smallFileBytes, nearbyBytes, DEFAULT_PREFIX_WITH_TOC);
  }

  /**
   * The daemon's defaults, for tests: the daemon builds its policy from the {@code [fetch]}
   * section ({@code DaemonConfig.fetchPolicy}), whose defaults are these.
   */
  public static FetchPolicy defaults() {
    return new FetchPolicy(128 << 10, 64 << 10, 256 << 10, true, true, false, 64 << 10, 4 << 20);
  }

  /**
   * On demand only: what a read needs, nothing else. A test seam (requests a test can count);
   * the daemon's {@code [fetch]} section has no such preset.
   */
  public static FetchPolicy onDemandOnly() {
    return new FetchPolicy(0, 0, 256 << 10, false, false, false, 0, 0);
  }
}
