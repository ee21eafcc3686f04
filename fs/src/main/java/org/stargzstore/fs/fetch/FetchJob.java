package org.stargzstore.fs.fetch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.types.Digest;

/**
 * One fetch of consecutive compressed units of one layer and the chunks in them that this job
 * must deliver (the ones it claimed): one range request on demand, a stream of pieces of at most
 * {@code backgroundRequestBytes} each in the background ({@link PiecewiseStream}). Planned by
 * {@link DemandPlanner} or {@link LayerBackground}, run by {@link FetchJobRunner}.
 */
final class FetchJob {
  final List<Unit> units;
  final Map<Digest, InFlightChunks.Claim> owned = new LinkedHashMap<>();
  final FetchReason reason;
  /**
   * How many of the leading units were asked for by {@link #reason}; the units after them are
   * read-ahead riding in the same request.
   */
  int leadUnits;
  /** Paced in pieces by the background ({@link FetchReason#isBackground()}). */
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
    this.background = reason.isBackground();
  }

  /** What claiming the chunks of one unit for a job found. */
  record UnitClaim(boolean claimedAny, boolean someFetchedElsewhere) {}

  /**
   * Claims for this job the chunks of {@code u} that are neither cached nor fetched by anyone
   * (nor already this job's).
   */
  UnitClaim claimUnit(Unit u, InFlightChunks inFlight, ChunkCache cache) {
    boolean claimedAny = false;
    boolean elsewhere = false;
    for (Chunk c : u.chunks()) {
      if (owned.containsKey(c.digest())) {
        continue;
      }
      Optional<InFlightChunks.Claimed> got = inFlight.claimUncached(c, cache);
      if (got.isEmpty()) {
        continue;
      }
      if (!got.get().mine()) {
        elsewhere = true;
        continue;
      }
      own(c.digest(), got.get().claim());
      claimedAny = true;
    }
    return new UnitClaim(claimedAny, elsewhere);
  }

  /** Makes {@code claim} this job's to deliver. */
  void own(Digest digest, InFlightChunks.Claim claim) {
    claim.owner = this;
    owned.put(digest, claim);
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
