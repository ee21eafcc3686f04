package org.stargzstore.fs.fetch;

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
   * Claims {@code c}. Returns the new claim if the caller now owns the fetch, or
   * {@code null} with {@code existing[0]} set to the claim of whoever already fetches it.
   */
  Claim claim(Chunk c, Claim[] existing) {
    Key k = new Key(c.digest(), c.size());
    Claim mine = new Claim(k);
    Claim prev = claims.putIfAbsent(k, mine);
    if (prev == null) {
      return mine;
    }
    existing[0] = prev;
    return null;
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
