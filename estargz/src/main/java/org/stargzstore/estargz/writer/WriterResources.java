package org.stargzstore.estargz.writer;

import java.io.OutputStream;

/**
 * How many threads and how much memory a conversion may use. Compression dominates the cost of
 * writing a layer, and its units are independent, so they are compressed on all cores; the memory
 * budget bounds the uncompressed bytes waiting for a compression thread, so a layer of any size
 * converts in a small heap.
 *
 * @param threads compression threads (1: compress on the calling thread)
 * @param memoryBudget uncompressed bytes that may be buffered for compression at once
 */
public record WriterResources(int threads, long memoryBudget) {
  private static final long MIN_BUDGET = 4L << 20;
  private static final long MAX_BUDGET = 64L << 20;

  public WriterResources {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, not " + threads);
    }
    if (memoryBudget < 1) {
      throw new IllegalArgumentException("memory budget must be positive");
    }
  }

  /**
   * One thread per core; a budget of an eighth of the maximum heap, between 4 and 64 MiB (buffered
   * units and their compressed copies both live on the heap).
   */
  public static WriterResources defaults() {
    long budget = Math.max(MIN_BUDGET, Math.min(MAX_BUDGET, Runtime.getRuntime().maxMemory() / 8));
    return new WriterResources(Runtime.getRuntime().availableProcessors(), budget);
  }

  /**
   * A frame writer for units of up to {@code unitSize} bytes: those are buffered and compressed
   * in parallel; larger ones (possible only for runs of headers or a huge chunk size) are streamed.
   */
  public ParallelFrameWriter newFrameWriter(OutputStream out, FrameCodec codec, long unitSize) {
    long maxUnit = Math.min(memoryBudget, unitSize + (1 << 20));
    return new ParallelFrameWriter(out, codec, threads, memoryBudget,
        (int) Math.min(Integer.MAX_VALUE - 64, Math.max(maxUnit, 64 << 10)));
  }
}
