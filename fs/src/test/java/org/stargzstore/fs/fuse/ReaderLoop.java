package org.stargzstore.fs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A reader of a mount during a takeover: reads {@code hot/m*} of a {@link TakeoverTree} in a loop
 * (files read afresh at each open, so every read reaches whichever daemon serves), compares every
 * byte, and records errors and the longest gap between two successful reads (the pause).
 */
final class ReaderLoop implements AutoCloseable {
  private final Path mountPoint;
  private final byte[][] expected = new byte[TakeoverTree.HOT][];
  private final List<String> errors = new ArrayList<>();
  private final AtomicLong reads = new AtomicLong();
  private final Thread thread;
  private volatile boolean stop;
  private volatile long maxGapNanos;

  private ReaderLoop(Path mountPoint) {
    this.mountPoint = mountPoint;
    for (int i = 0; i < expected.length; i++) {
      expected[i] = TakeoverTree.hot(i);
    }
    this.thread = new Thread(this::run, "takeover-reader");
    thread.setDaemon(true);
  }

  static ReaderLoop start(Path mountPoint) {
    ReaderLoop r = new ReaderLoop(mountPoint);
    r.thread.start();
    return r;
  }

  private void run() {
    long last = System.nanoTime();
    while (!stop) {
      for (int i = 0; i < expected.length && !stop; i++) {
        Path p = mountPoint.resolve("hot").resolve("m" + i);
        try {
          byte[] got = Files.readAllBytes(p);
          if (!Arrays.equals(expected[i], got)) {
            error("wrong bytes in " + p + " (" + got.length + " bytes)");
          }
        } catch (IOException e) {
          error(p + ": " + e);
        }
        long now = System.nanoTime();
        maxGapNanos = Math.max(maxGapNanos, now - last);
        last = now;
        reads.incrementAndGet();
      }
    }
  }

  private synchronized void error(String e) {
    if (errors.size() < 20) {
      errors.add(e);
    }
  }

  long reads() {
    return reads.get();
  }

  /** Waits until {@code n} more reads were made. */
  void awaitMoreReads(long n) throws InterruptedException {
    long until = reads.get() + n;
    while (reads.get() < until && thread.isAlive()) {
      Thread.sleep(5);
    }
  }

  synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  long maxGapMillis() {
    return maxGapNanos / 1_000_000;
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(60_000);
  }
}
