package org.stargzstore.fs.fetch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.types.Digest;

/**
 * One fetch of consecutive compressed units of one layer and the chunks in them that this job
 * must deliver (the ones it claimed): one range request on demand, a stream of pieces of at most
 * {@code backgroundRequestBytes} each in the background ({@link PiecewiseStream}).
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
  /**
   * How many of the leading units were asked for by {@link #reason}; the units after them are
   * read-ahead riding in the same request.
   */
  int leadUnits;
  final boolean background;
  /**
   * Run once the response has begun (then the link serves this job's bytes before anything
   * requested after); may be null.
   */
  Runnable onResponse;
  /** Set when a reader waits on a chunk of this background job: it must not pause. */
  volatile boolean urgent;

  FetchJob(List<Unit> units, FetchReason reason) {
    this.units = units;
    this.reason = reason;
    this.leadUnits = Integer.MAX_VALUE;
    this.background = reason.kind == Kind.BACKGROUND;
  }

  /** Why the bytes of unit {@code i} of this job are fetched. */
  FetchReason reasonOf(int i) {
    return i < leadUnits ? reason : FetchReason.READ_AHEAD;
  }

  long start() {
    return units.get(0).offset();
  }

  long end() {
    return units.get(units.size() - 1).end();
  }
}
