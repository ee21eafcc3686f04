package org.stargzstore.fs.fetch;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.types.Digest;

/**
 * Plans what a read (or a prediction) of some chunks of one layer must fetch: which of them are
 * missing, which are already on their way (for this or another layer: waited for, not fetched
 * again; a background job a reader now waits for is made urgent), and the range requests for the
 * rest, claimed so nobody else fetches them. Wanted units are grouped into requests as the
 * {@link ReadAheadPolicy} says, and a reader's requests carry the read-ahead behind its bytes.
 */
final class DemandPlanner {
  private final String name;
  private final LayerUnits units;
  private final ReadAheadPolicy policy;
  private final FetchContext ctx;
  private final ReaderTrail trail;

  /** What the background learns from a reader's misses: it follows the reader. */
  interface ReaderTrail {
    /** A reader's planned misses end just before unit {@code unit}. */
    void readerMoved(int unit);

    /** The response to a reader's first missed chunks has begun. */
    void missesAnswered(List<Chunk> missed);
  }

  DemandPlanner(String name, LayerUnits units, ReadAheadPolicy policy, FetchContext ctx,
      ReaderTrail trail) {
    this.name = name;
    this.units = units;
    this.policy = policy;
    this.ctx = ctx;
    this.trail = trail;
  }

  /**
   * What a plan started: the future that completes when every chunk is cached, what a reader of
   * it waits for ({@code own-request}, or {@code in-flight:REASON} when all its chunks were
   * already on their way; empty when nothing was missing) and the compressed bytes of the units
   * it waits for.
   */
  record Planned(CompletableFuture<Void> done, String waitsFor, long bytes) {}

  /**
   * Plans fetching {@code chunks} for {@code reason}, {@link FetchReason#DEMAND} (a reader waits:
   * read-ahead rides along) or {@link FetchReason#PREDICTED} (whole files: nothing is known to
   * follow them), and hands each request to {@code submit} as soon as it is planned (its chunks
   * claimed, its read-ahead added). The future completes when every chunk is cached, or fails
   * with the first error.
   */
  Planned plan(List<Chunk> chunks, FetchReason reason, Consumer<FetchJob> submit) {
    if (reason != FetchReason.DEMAND && reason != FetchReason.PREDICTED) {
      throw new IllegalArgumentException(reason + " is planned by the background, not on demand");
    }
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    Map<Digest, InFlightChunks.Claim> owned = new LinkedHashMap<>();
    TreeSet<Integer> wanted = new TreeSet<>();
    Set<Digest> seen = new HashSet<>();
    List<Chunk> missed = new ArrayList<>();
    Set<Integer> waitedUnits = new HashSet<>();
    String inFlight = null;
    for (Chunk c : chunks) {
      if (!seen.add(c.digest())) {
        continue;
      }
      Optional<InFlightChunks.Claimed> got = ctx.inFlight().claimUncached(c, ctx.cache());
      if (got.isEmpty()) {
        continue;
      }
      InFlightChunks.Claim claim = got.get().claim();
      waitedUnits.add(units.unitOf(c));
      if (!got.get().mine()) {
        FetchJob other = claim.owner;
        if (other != null && other.background && reason.isDemand()) {
          other.urgent = true;
        }
        if (inFlight == null) {
          inFlight = other == null ? "in-flight" : "in-flight:" + other.reason.label();
        }
        waits.add(claim.done());
        continue;
      }
      owned.put(c.digest(), claim);
      missed.add(c);
      wanted.add(units.unitOf(c));
      waits.add(claim.done());
    }
    if (!owned.isEmpty()) {
      List<FetchJob> exact = planExactJobs(wanted, owned, reason);
      if (reason.isDemand()) {
        // the neighbours of a miss are asked for once its response has begun: on a shared
        // link, bytes requested before the miss's would be served before them
        exact.get(0).onResponse = () -> trail.missesAnswered(missed);
      }
      for (FetchJob job : exact) {
        if (reason.isDemand()) {
          // what a reader will probably read next rides in the same request, after the bytes it
          // waits for (which it gets as soon as they arrive): one request, and nothing of ours
          // ahead of the reader's bytes on the link
          job.leadUnits = job.units.size();
          job.units.addAll(claimReadAhead(job));
        }
        submit.accept(job);
      }
    }
    long bytes = 0;
    for (int u : waitedUnits) {
      bytes += units.get(u).length();
    }
    String waitsFor = !missed.isEmpty() ? "own-request"
        : inFlight == null ? "" : inFlight;
    return new Planned(CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)), waitsFor,
        bytes);
  }

  /** Groups wanted units into requests, merging near neighbours. */
  private List<FetchJob> planExactJobs(TreeSet<Integer> wanted,
      Map<Digest, InFlightChunks.Claim> owned, FetchReason reason) {
    List<FetchJob> jobs = new ArrayList<>();
    List<Unit> run = new ArrayList<>();
    for (int i : wanted) {
      Unit u = units.get(i);
      if (!run.isEmpty() && policy.startsNewDemandRequest(run, u)) {
        jobs.add(takeOwned(run, owned, reason));
        run = new ArrayList<>();
      }
      run.add(u);
    }
    if (!run.isEmpty()) {
      jobs.add(takeOwned(run, owned, reason));
    }
    if (!jobs.isEmpty() && reason.isDemand()) {
      FetchJob lastJob = jobs.get(jobs.size() - 1);
      trail.readerMoved(lastJob.units.get(lastJob.units.size() - 1).index() + 1);
    }
    if (!owned.isEmpty()) {
      throw new IllegalStateException(name + ": claimed chunks outside any planned unit");
    }
    return jobs;
  }

  private static FetchJob takeOwned(List<Unit> run, Map<Digest, InFlightChunks.Claim> owned,
      FetchReason reason) {
    FetchJob job = new FetchJob(run, reason);
    for (Unit u : run) {
      for (Chunk c : u.chunks()) {
        InFlightChunks.Claim cl = owned.remove(c.digest());
        if (cl != null) {
          job.own(c.digest(), cl);
        }
      }
    }
    return job;
  }

  /**
   * Claims for {@code job} the units after its last one in blob order that the policy reads
   * ahead and that are neither cached nor being fetched; returns them (maybe none). Stops at the
   * first unit with nothing left to claim, and after one partly fetched by someone else.
   */
  private List<Unit> claimReadAhead(FetchJob job) {
    long budget = policy.readAheadBytes();
    List<Unit> run = new ArrayList<>();
    Unit last = job.units.get(job.units.size() - 1);
    int next = last.index() + 1;
    String missedFile = last.chunks().get(last.chunks().size() - 1).fileName();
    while (budget > 0 && next < units.size()) {
      Unit u = units.get(next);
      if (!policy.readsAhead(missedFile, last, u, budget)) {
        break;
      }
      FetchJob.UnitClaim got = job.claimUnit(u, ctx.inFlight(), ctx.cache());
      if (!got.claimedAny()) {
        break;
      }
      run.add(u);
      budget -= u.end() - last.end();
      last = u;
      next++;
      if (got.someFetchedElsewhere()) {
        break;
      }
    }
    return run;
  }
}
