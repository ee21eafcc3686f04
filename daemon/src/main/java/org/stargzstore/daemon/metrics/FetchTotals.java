package org.stargzstore.daemon.metrics;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.fetch.FetchStats;

/**
 * What every layer's fetcher did since the daemon started, as Prometheus counters need it: never
 * going down. Each loaded layer counts in its own {@link FetchStats}, which goes away when the
 * layer is unloaded; this keeps the last counts of layers that went away (read from their stats
 * once they are gone, so exactly) and adds those of the layers loaded now. A layer loaded and
 * unloaded between two scrapes (the release grace is minutes) is not counted.
 */
final class FetchTotals {
  private Set<FetchStats> seen = Collections.newSetFromMap(new IdentityHashMap<>());
  private Totals retired = Totals.ZERO;

  /** The totals over the layers gone since the last call and {@code loaded}. */
  synchronized Totals sum(Collection<FetchStats> loaded) {
    Set<FetchStats> now = Collections.newSetFromMap(new IdentityHashMap<>());
    now.addAll(loaded);
    for (FetchStats s : seen) {
      if (!now.contains(s)) {
        retired = retired.plus(Totals.of(s));
      }
    }
    seen = now;
    Totals t = retired;
    for (FetchStats s : now) {
      t = t.plus(Totals.of(s));
    }
    return t;
  }

  /** One sum of {@link FetchStats} counters; immutable. */
  record Totals(Map<FetchReason, Long> bytesByReason, long requests, long demandRequests,
      long chunksFetched, long readsWaited, long readWaitMillis, long verifyFailures,
      long fetchErrors) {
    static final Totals ZERO = new Totals(Map.of(), 0, 0, 0, 0, 0, 0, 0);

    Totals {
      bytesByReason = Collections.unmodifiableMap(bytesByReason.isEmpty()
          ? new EnumMap<>(FetchReason.class) : new EnumMap<>(bytesByReason));
    }

    static Totals of(FetchStats s) {
      return new Totals(s.bytesByReason(), s.requests(), s.demandFetches(), s.chunksFetched(),
          s.readsWaited(), s.readWaitMillis(), s.verifyFailures(), s.fetchErrors());
    }

    Totals plus(Totals o) {
      Map<FetchReason, Long> bytes = new EnumMap<>(FetchReason.class);
      bytes.putAll(bytesByReason);
      o.bytesByReason.forEach((r, n) -> bytes.merge(r, n, Long::sum));
      return new Totals(bytes, requests + o.requests, demandRequests + o.demandRequests,
          chunksFetched + o.chunksFetched, readsWaited + o.readsWaited,
          readWaitMillis + o.readWaitMillis, verifyFailures + o.verifyFailures,
          fetchErrors + o.fetchErrors);
    }
  }
}
