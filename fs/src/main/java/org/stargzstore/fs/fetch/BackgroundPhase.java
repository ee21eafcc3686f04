package org.stargzstore.fs.fetch;

/**
 * What the background fetches, in order of value across all layers: files a producer marked
 * (before a prefetch landmark), then small files next to the files containers just missed on
 * (the next misses are most likely there), then small files (a miss on one costs a whole round
 * trip for few bytes), then everything else.
 */
enum BackgroundPhase {
  PRIORITIZED(false, FetchReason.PRIORITIZED),
  NEAR_READER(false, FetchReason.NEAR_READER),
  SMALL_FILES(true, FetchReason.SMALL_FILES),
  EVERYTHING(true, FetchReason.EVERYTHING);

  /** The bulk of a layer: waits until containers have been quiet (background_quiet). */
  final boolean bulk;
  /** What its bytes are counted as. */
  final FetchReason reason;

  BackgroundPhase(boolean bulk, FetchReason reason) {
    this.bulk = bulk;
    this.reason = reason;
  }
}
