package org.stargzstore.fs.fetch;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** What a layer's fetcher did: for {@code status}, logs and tests. Thread-safe counters. */
public final class FetchStats {
  final AtomicLong requests = new AtomicLong();
  final AtomicLong chunksFetched = new AtomicLong();
  final AtomicLong demandFetches = new AtomicLong();
  final AtomicLong verifyFailures = new AtomicLong();
  final AtomicLong fetchErrors = new AtomicLong();
  final AtomicLong readsWaited = new AtomicLong();
  final AtomicLong readWaitNanos = new AtomicLong();
  private final AtomicLongArray bytesByReason = new AtomicLongArray(FetchReason.values().length);

  void addBytes(FetchReason reason, long n) {
    bytesByReason.addAndGet(reason.ordinal(), n);
  }

  /**
   * Counts one download of the whole blob for the layer's {@code blob} file (made outside the
   * fetcher): one request, {@code bytes} received, whether or not they turned out to verify.
   */
  public void countBlobFileDownload(long bytes) {
    requests.incrementAndGet();
    addBytes(FetchReason.BLOB_FILE, bytes);
  }

  /** Compressed bytes received, by why they were asked for (reasons with none left out). */
  public Map<FetchReason, Long> bytesByReason() {
    Map<FetchReason, Long> out = new EnumMap<>(FetchReason.class);
    for (FetchReason r : FetchReason.values()) {
      long n = bytesByReason.get(r.ordinal());
      if (n > 0) {
        out.put(r, n);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * HTTP (or file) range requests issued: one per on-demand or predicted fetch (resumes of a cut
   * connection not counted), the pieces of each background stream that completed, and one per
   * download of the layer's {@code blob} file.
   */
  public long requests() {
    return requests.get();
  }

  /** Compressed bytes received. */
  public long bytesFetched() {
    long sum = 0;
    for (int i = 0; i < bytesByReason.length(); i++) {
      sum += bytesByReason.get(i);
    }
    return sum;
  }

  /** Chunks verified and cached. */
  public long chunksFetched() {
    return chunksFetched.get();
  }

  /** Requests made because a read found its chunks missing. */
  public long demandFetches() {
    return demandFetches.get();
  }

  /** Chunks that did not match their TOC digest. */
  public long verifyFailures() {
    return verifyFailures.get();
  }

  /**
   * Fetches that failed (network, registry, a blob shorter than its TOC says): each failed the
   * reads waiting for its chunks. Shown by {@code status} and as {@code fetch_errors_total}.
   */
  public long fetchErrors() {
    return fetchErrors.get();
  }

  /** Reads that found their chunks missing and waited for the network. */
  public long readsWaited() {
    return readsWaited.get();
  }

  /** Total time those reads waited, in milliseconds: the cold start's network stall. */
  public long readWaitMillis() {
    return readWaitNanos.get() / 1_000_000;
  }
}
