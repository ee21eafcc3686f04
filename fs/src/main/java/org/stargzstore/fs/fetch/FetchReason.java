package org.stargzstore.fs.fetch;

import java.util.List;
import java.util.Locale;

/**
 * Why bytes of a layer are fetched: the one answer that decides how a request is scheduled (a
 * reader's request goes at once and holds the background back, a prediction goes at once, a
 * background request is paced in pieces, phase by phase) and how its bytes are counted. Bytes
 * are counted per reason so that an operator (and the cold-start bench) can see how much of a
 * start-up's traffic was asked for by containers and how much was speculation, and which kind.
 */
public enum FetchReason {
  /** A container read found its chunks missing. */
  DEMAND,
  /** The units right after a miss, in blob order, riding in the miss's request (read_ahead). */
  READ_AHEAD,
  /** Predicted reads: the entrypoint's closure (the program and the libraries it links). */
  PREDICTED,
  /**
   * Background, first phase: files a producer marked for prefetch (before the landmark) and
   * the files of the layer's access profile (a recorded start-up, docs/profiles.md).
   */
  PRIORITIZED,
  /**
   * Background, second phase: small files in the directory of a recent miss (nearby_files), the
   * likeliest next misses.
   */
  NEAR_READER,
  /**
   * Background, bulk: small files anywhere in the layer (a miss on one costs a whole round trip
   * for few bytes), once containers are quiet.
   */
  SMALL_FILES,
  /** Background, bulk: the rest of the layer, once containers are quiet. */
  EVERYTHING,
  /** The whole compressed blob, downloaded once to serve the layer's {@code blob} file. */
  BLOB_FILE;

  /**
   * The background reasons in the order the background serves them across all layers: what is
   * worth most first.
   */
  static final List<FetchReason> BACKGROUND_PHASES =
      List.of(PRIORITIZED, NEAR_READER, SMALL_FILES, EVERYTHING);

  /**
   * A reader waits for these bytes: the request is sent at once and background streams hold back
   * while it runs.
   */
  public boolean isDemand() {
    return this == DEMAND || this == BLOB_FILE;
  }

  /**
   * Whether fetched chunks stay in the memory cache: yes for what a reader asked for or is
   * likely to read soon; no for the bulk background phases (small files anywhere, everything),
   * which would otherwise fill the memory cache with a whole layer nobody reads yet. Their
   * chunks are read from the store.
   */
  public boolean keepsInMemory() {
    return this != SMALL_FILES && this != EVERYTHING;
  }

  /**
   * Fetched by the background scheduler: paced in pieces under the background byte budget, and
   * pausing for demand as the policy says.
   */
  public boolean isBackground() {
    return BACKGROUND_PHASES.contains(this);
  }

  /**
   * The bulk of a layer: this background phase waits until containers have been quiet
   * ({@code background_quiet}).
   */
  boolean isBulk() {
    return this == SMALL_FILES || this == EVERYTHING;
  }

  /** The name used in {@code status} and logs: {@code read_ahead}, {@code near_reader}... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
