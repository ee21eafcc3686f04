package org.stargzstore.types.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonThreadFactoryTest {
  @Test
  void namedGivesEveryThreadTheSameNameAndMakesItDaemon() {
    DaemonThreadFactory f = DaemonThreadFactory.named("layer-open");
    Thread a = f.newThread(() -> {});
    Thread b = f.newThread(() -> {});
    assertEquals("layer-open", a.getName());
    assertEquals("layer-open", b.getName());
    assertTrue(a.isDaemon());
    assertTrue(b.isDaemon());
  }

  @Test
  void numberedCountsFromOneInOrderPerFactory() {
    DaemonThreadFactory f = DaemonThreadFactory.numbered("fetch-demand");
    assertEquals("fetch-demand-1", f.newThread(() -> {}).getName());
    assertEquals("fetch-demand-2", f.newThread(() -> {}).getName());
    Thread other = DaemonThreadFactory.numbered("fetch-demand").newThread(() -> {});
    assertEquals("fetch-demand-1", other.getName());
    assertTrue(other.isDaemon());
  }

  @Test
  void aPoolRunsItsTasksOnTheNamedDaemonThreads() throws Exception {
    ExecutorService pool =
        Executors.newFixedThreadPool(2, DaemonThreadFactory.numbered("store-writer"));
    try {
      Thread ran = pool.submit(Thread::currentThread).get(30, TimeUnit.SECONDS);
      assertTrue(ran.getName().startsWith("store-writer-"), ran.getName());
      assertTrue(ran.isDaemon());
    } finally {
      pool.shutdownNow();
    }
  }
}
