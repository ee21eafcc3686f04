package org.stargzstore.fs.fetch;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.types.Digest;

/**
 * Chunks being fetched right now, by digest and size, across all layers: however many readers
 * (of however many layers sharing the chunk) want it, one request brings it. The size is part of
 * the key as it is of the cache's: a layer whose TOC names another layer's digest with a false
 * size fetches (and fails) on its own, and never fails the other layer's readers.
 */
public final class InFlightChunks {
  private final ConcurrentHashMap<Key, Claim> claims = new ConcurrentHashMap<>();

  /** What is being fetched: the content a digest and size name. */
  private record Key(Digest digest, long size) {}

  /** A fetch in progress: who fetches it, and when it is done. */
  public static final class Claim {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Key key;
    /** The job that will fetch it; set once the job is formed. */
    volatile FetchJob owner;

    private Claim(Key key) {
      this.key = key;
    }

    public CompletableFuture<Void> done() {
      return done;
    }
  }

  /**
   * The outcome of a claim: the caller now fetches the chunk ({@code mine}: it must deliver or
   * fail {@code claim}), or someone already does ({@code claim} is theirs, to wait on).
   */
  record Claimed(Claim claim, boolean mine) {}

  /** Claims {@code c}: a new claim if nobody fetches it yet, else the claim of who does. */
  Claimed claim(Chunk c) {
    Key k = new Key(c.digest(), c.size());
    Claim fresh = new Claim(k);
    Claim prev = claims.putIfAbsent(k, fresh);
    return prev == null ? new Claimed(fresh, true) : new Claimed(prev, false);
  }

  /**
   * Claims {@code c} unless {@code cache} has it (empty then). The cache is checked again after
   * the claim: a delivery landing between the first check and the claim would be fetched twice.
   */
  Optional<Claimed> claimUncached(Chunk c, ChunkCache cache) {
    if (cache.has(c)) {
      return Optional.empty();
    }
    Claimed got = claim(c);
    if (got.mine() && cache.has(c)) {
      succeed(got.claim());
      return Optional.empty();
    }
    return Optional.of(got);
  }

  void succeed(Claim c) {
    claims.remove(c.key, c);
    c.done.complete(null);
  }

  void fail(Claim c, Throwable t) {
    claims.remove(c.key, c);
    c.done.completeExceptionally(t);
  }

  public int size() {
    return claims.size();
  }
}
