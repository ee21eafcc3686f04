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
  final List<Unit> units;
  final Map<Digest, InFlightChunks.Claim> owned = new LinkedHashMap<>();
  final boolean background;
  /** Set when a reader waits on a chunk of this background job: it must not pause. */
  volatile boolean urgent;

  FetchJob(List<Unit> units, boolean background) {
    this.units = units;
    this.background = background;
  }

  long start() {
    return units.get(0).offset();
  }

  long end() {
    return units.get(units.size() - 1).end();
  }
}
