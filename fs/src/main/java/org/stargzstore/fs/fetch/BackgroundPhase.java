package org.stargzstore.fs.fetch;

/**
 * What the background fetches, in order of value across all layers: files a producer marked
 * (before a prefetch landmark), then small files (a miss on one costs a whole round trip for few
 * bytes), then everything else.
 */
enum BackgroundPhase {
  PRIORITIZED,
  SMALL_FILES,
  EVERYTHING
}
