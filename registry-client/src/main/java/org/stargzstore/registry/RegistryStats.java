package org.stargzstore.registry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of what a {@link RegistryClient} did on the network, for the daemon's {@code status}
 * (its {@code registry} section: what the node cost the registries and mirrors, retries and
 * bytes thrown away included, which the per-layer fetch counters cannot see) and for tests and
 * benchmarks that assert what a lazy read cost. Thread-safe; monotonic.
 */
public final class RegistryStats {
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong rangeRequests = new AtomicLong();
  private final AtomicLong multiRangeRequests = new AtomicLong();
  private final AtomicLong bytesDiscarded = new AtomicLong();
  private final AtomicLong redirects = new AtomicLong();
  private final AtomicLong tokenFetches = new AtomicLong();
  private final AtomicLong bytesSpooled = new AtomicLong();
  private final AtomicLong spools = new AtomicLong();

  /** A consistent-enough copy of the counters. */
  public record Snapshot(long requests, long bytesReceived, long bytesSent, long retries,
      long rangeRequests, long multiRangeRequests, long bytesDiscarded, long redirects,
      long tokenFetches, long bytesSpooled, long spools) {
    /** The counters by name, in declaration order: what {@code status} shows. */
    public java.util.Map<String, Long> asMap() {
      java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
      m.put("requests", requests);
      m.put("bytesReceived", bytesReceived);
      m.put("bytesSent", bytesSent);
      m.put("retries", retries);
      m.put("rangeRequests", rangeRequests);
      m.put("multiRangeRequests", multiRangeRequests);
      m.put("bytesDiscarded", bytesDiscarded);
      m.put("redirects", redirects);
      m.put("tokenFetches", tokenFetches);
      m.put("bytesSpooled", bytesSpooled);
      m.put("spools", spools);
      return m;
    }
  }

  public Snapshot snapshot() {
    return new Snapshot(requests.get(), bytesReceived.get(), bytesSent.get(), retries.get(),
        rangeRequests.get(), multiRangeRequests.get(), bytesDiscarded.get(), redirects.get(),
        tokenFetches.get(), bytesSpooled.get(), spools.get());
  }

  /** HTTP requests sent on the wire (every attempt, token requests included). */
  public long requests() {
    return requests.get();
  }

  /** Bytes read from the network: response headers and bodies as transferred (TLS included). */
  public long bytesReceived() {
    return bytesReceived.get();
  }

  public void onRequest(long bodyBytes) {
    requests.incrementAndGet();
    if (bodyBytes > 0) {
      bytesSent.addAndGet(bodyBytes);
    }
  }

  public void onBytesReceived(long n) {
    bytesReceived.addAndGet(n);
  }

  public void onRetry() {
    retries.incrementAndGet();
  }

  public void onRangeRequest(boolean multi) {
    (multi ? multiRangeRequests : rangeRequests).incrementAndGet();
  }

  /** Bytes read and thrown away because a server ignored {@code Range}. */
  public void onDiscarded(long n) {
    bytesDiscarded.addAndGet(n);
  }

  /** Bytes of whole blobs (sent by a server that ignored {@code Range}) written to a spool. */
  public long bytesSpooled() {
    return bytesSpooled.get();
  }

  /** Blobs spooled to disk because their server ignored {@code Range}. */
  public long spools() {
    return spools.get();
  }

  public void onSpooled(long n) {
    bytesSpooled.addAndGet(n);
  }

  public void onSpoolStarted() {
    spools.incrementAndGet();
  }

  public void onRedirect() {
    redirects.incrementAndGet();
  }

  public void onTokenFetch() {
    tokenFetches.incrementAndGet();
  }
}
