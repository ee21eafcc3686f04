package org.stargzstore.fs.fetch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.estargz.Digest;

/**
 * One range request: consecutive compressed units of one layer and the chunks in them that this
 * job must deliver (the ones it claimed).
 */
final class FetchJob {
  /** Why the bytes are fetched, which decides how they are scheduled. */
  enum Kind {
    /** A reader waits: sent at once; background streams hold back while it runs. */
    DEMAND,
    /** Predicted to be read soon (read-ahead, entrypoint): sent at once, holds nobody back. */
    PREFETCH,
    /** The rest of the layer: paced in pieces, pausing while demand runs. */
    BACKGROUND
  }

  final List<Unit> units;
  final Map<Digest, InFlightChunks.Claim> owned = new LinkedHashMap<>();
  final FetchReason reason;
  final boolean background;
  /** Set when a reader waits on a chunk of this background job: it must not pause. */
  volatile boolean urgent;

  FetchJob(List<Unit> units, FetchReason reason) {
    this.units = units;
    this.reason = reason;
    this.background = reason.kind == Kind.BACKGROUND;
  }

  long start() {
    return units.get(0).offset();
  }

  long end() {
    return units.get(units.size() - 1).end();
  }
}
