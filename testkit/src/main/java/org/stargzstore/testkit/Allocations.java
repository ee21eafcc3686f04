package org.stargzstore.testkit;

import java.lang.management.ManagementFactory;
import java.util.concurrent.Callable;

/**
 * How many bytes of heap the current thread allocates while running an action: lets a test
 * assert that memory follows the data really processed, not a size some input merely states,
 * without relying on the heap being too small to hold it.
 */
public final class Allocations {
  private Allocations() {}

  /** Runs {@code action} and returns the bytes this thread allocated meanwhile. */
  public static long during(Callable<?> action) throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    try {
      action.call();
    } catch (Exception expected) {
      // the caller asserts on the failure separately; only the allocation is measured here
    }
    return threads.getThreadAllocatedBytes(id) - before;
  }
}
