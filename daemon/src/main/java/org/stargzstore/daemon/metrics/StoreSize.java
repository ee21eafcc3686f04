package org.stargzstore.daemon.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.stargzstore.fs.store.ContentStore;

/**
 * The store's size for the metrics: a scan of {@code blobs/} (the same totals as
 * {@code store du}), kept for a while so that frequent scrapes do not scan a large store each
 * time.
 */
final class StoreSize {
  /** Bytes and files stored. */
  record Size(long bytes, long files) {}

  private final ContentStore content;
  private final long maxAgeNanos;
  private Size last;
  private long lastNanos;

  StoreSize(ContentStore content, Duration maxAge) {
    this.content = content;
    this.maxAgeNanos = maxAge.toNanos();
  }

  synchronized Size get() {
    long now = System.nanoTime();
    if (last == null || now - lastNanos > maxAgeNanos) {
      try {
        long bytes = 0;
        long files = 0;
        for (ContentStore.BlobInfo b : content.list()) {
          bytes += b.size();
          files++;
        }
        last = new Size(bytes, files);
        lastNanos = now;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot scan the store's blobs/ for its size", e);
      }
    }
    return last;
  }
}
