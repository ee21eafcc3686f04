package org.stargzstore.zstdchunked.writer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Live byte counts of a running {@link LayerConversion}, read by another thread to show
 * progress: a large layer takes seconds, and a silent command looks hung.
 */
public final class ConversionProgress {
  private final AtomicLong bytesIn = new AtomicLong();
  private final AtomicLong bytesOut = new AtomicLong();
  private volatile boolean inputReadByWriter;

  /** Bytes read from the input as given (compressed, if the input is), so far. */
  public long bytesIn() {
    return bytesIn.get();
  }

  /** Bytes of the blob written so far. */
  public long bytesOut() {
    return bytesOut.get();
  }

  /**
   * True when the writer reads the input file itself (a plain tar to a stargz format: two passes
   * over the file), so {@link #bytesIn()} reaches the input's size only at the end and only
   * {@link #bytesOut()} shows progress.
   */
  public boolean inputReadByWriter() {
    return inputReadByWriter;
  }

  void inputReadByWriter(boolean b) {
    inputReadByWriter = b;
  }

  void addIn(long n) {
    bytesIn.addAndGet(n);
  }

  void addOut(long n) {
    bytesOut.addAndGet(n);
  }
}
