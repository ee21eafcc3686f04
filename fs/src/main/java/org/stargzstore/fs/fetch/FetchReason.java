package org.stargzstore.fs.fetch;

import java.util.Locale;

/**
 * Why a range of a layer was fetched. Bytes are counted per reason so that an operator (and the
 * cold-start bench) can see how much of a start-up's traffic was asked for by containers and how
 * much was speculation, and which kind of speculation.
 */
public enum FetchReason {
  /** A container read found its chunks missing. */
  DEMAND(FetchJob.Kind.DEMAND),
  /** The units right after a miss, in blob order (read_ahead). */
  READ_AHEAD(FetchJob.Kind.PREFETCH),
  /** Predicted reads: the entrypoint's closure (the program and the libraries it links). */
  PREDICTED(FetchJob.Kind.PREFETCH),
  /** Files a producer marked for prefetch (before the landmark). */
  PRIORITIZED(FetchJob.Kind.BACKGROUND),
  /** Small files in the directory of a recent miss (nearby_files). */
  NEAR_READER(FetchJob.Kind.BACKGROUND),
  /** Small files anywhere in the layer, once containers are quiet. */
  SMALL_FILES(FetchJob.Kind.BACKGROUND),
  /** The rest of the layer, once containers are quiet. */
  EVERYTHING(FetchJob.Kind.BACKGROUND),
  /** The whole compressed blob, downloaded once to serve the layer's {@code blob} file. */
  BLOB_FILE(FetchJob.Kind.DEMAND);

  final FetchJob.Kind kind;

  FetchReason(FetchJob.Kind kind) {
    this.kind = kind;
  }

  /** The name used in {@code status} and logs: {@code read_ahead}, {@code near_reader}... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
