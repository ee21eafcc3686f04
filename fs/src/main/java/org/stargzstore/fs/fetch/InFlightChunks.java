package org.stargzstore.fs.fetch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.stargzstore.estargz.Digest;

/**
 * Chunks being fetched right now, by digest, across all layers: however many readers (of however
 * many layers sharing the chunk) want it, one request brings it.
 */
public final class InFlightChunks {
  private final ConcurrentHashMap<Digest, Claim> claims = new ConcurrentHashMap<>();

  /** A fetch in progress: who fetches it, and when it is done. */
  public static final class Claim {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    /** The job that will fetch it; set once the job is formed. */
    volatile FetchJob owner;

    Claim() {}

    public CompletableFuture<Void> done() {
      return done;
    }
  }

  /**
   * Claims {@code d}. Returns the new claim if the caller now owns the fetch, or
   * {@code null} with {@code existing[0]} set to the claim of whoever already fetches it.
   */
  Claim claim(Digest d, Claim[] existing) {
    Claim mine = new Claim();
    Claim prev = claims.putIfAbsent(d, mine);
    if (prev == null) {
      return mine;
    }
    existing[0] = prev;
    return null;
  }

  /** The claim on {@code d}, if someone fetches it. */
  Claim current(Digest d) {
    return claims.get(d);
  }

  void succeed(Digest d, Claim c) {
    claims.remove(d, c);
    c.done.complete(null);
  }

  void fail(Digest d, Claim c, Throwable t) {
    claims.remove(d, c);
    c.done.completeExceptionally(t);
  }

  public int size() {
    return claims.size();
  }
}
