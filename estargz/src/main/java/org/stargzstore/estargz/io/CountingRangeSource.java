package org.stargzstore.estargz.io;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.stargzstore.types.io.RangeSource;

/**
 * Wraps a {@link RangeSource} and counts reads and bytes, so callers (and tests) can see exactly
 * what a lazy reader fetched.
 */
public final class CountingRangeSource implements RangeSource {
  private final RangeSource delegate;
  private final AtomicLong reads = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  public CountingRangeSource(RangeSource delegate) {
    this.delegate = delegate;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
    delegate.readFully(offset, dst, dstOffset, length);
    reads.incrementAndGet();
    bytes.addAndGet(length);
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  /** Number of completed {@link #readFully} calls. */
  public long reads() {
    return reads.get();
  }

  /** Total bytes returned by completed reads. */
  public long bytesRead() {
    return bytes.get();
  }
}
