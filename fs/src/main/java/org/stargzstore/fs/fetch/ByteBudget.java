package org.stargzstore.fs.fetch;

/**
 * A bound on bytes outstanding: callers acquire the size of a request before sending it and
 * release it when the response is consumed. A request larger than the whole budget may still go
 * (alone), so no request can wait forever.
 */
final class ByteBudget {
  private final long capacity;
  private long used;

  ByteBudget(long capacity) {
    this.capacity = Math.max(1, capacity);
  }

  synchronized void acquire(long bytes) throws InterruptedException {
    while (used > 0 && used + bytes > capacity) {
      wait();
    }
    used += bytes;
  }

  synchronized void release(long bytes) {
    used -= bytes;
    notifyAll();
  }
}
