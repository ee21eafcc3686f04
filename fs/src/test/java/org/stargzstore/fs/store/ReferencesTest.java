package org.stargzstore.fs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.types.Digest;

class ReferencesTest {
  @TempDir Path root;
  final Digest layer = Digest.of(new byte[] {1});

  @Test
  void countsSurviveARestart() throws Exception {
    StoreLayout layout = new StoreLayout(root);
    References r = References.load(layout);
    assertEquals(1, r.acquire("docker.io/library/a:1", layer));
    assertEquals(2, r.acquire("docker.io/library/a:1", layer));
    assertEquals(3, r.acquire("docker.io/library/b:1", layer));
    References again = References.load(layout);
    assertEquals(3, again.get(layer).total());
    assertEquals(2, again.release("docker.io/library/a:1", layer));
    assertNull(again.get(layer).releasedAt());
    assertEquals(1, again.release("docker.io/library/a:1", layer));
    assertEquals(0, again.release("docker.io/library/b:1", layer));
    assertNotNull(References.load(layout).get(layer).releasedAt());
  }

  @Test
  void releaseWithoutReferenceIsReportedNotNegative() throws Exception {
    References r = References.load(new StoreLayout(root));
    assertEquals(-1, r.release("docker.io/library/a:1", layer));
    assertEquals(0, r.get(layer).total());
  }

  @Test
  void concurrentAcquiresAndReleasesBalance() throws Exception {
    StoreLayout layout = new StoreLayout(root);
    References r = References.load(layout);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> fs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String ref = "docker.io/library/img" + (i % 4) + ":1";
      fs.add(pool.submit(() -> {
        r.acquire(ref, layer);
        r.acquire(ref, layer);
        r.release(ref, layer);
        return null;
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    assertEquals(200, r.get(layer).total());
    assertEquals(200, References.load(layout).get(layer).total());
  }
}
