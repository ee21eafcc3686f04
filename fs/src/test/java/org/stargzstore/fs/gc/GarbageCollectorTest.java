package org.stargzstore.fs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.References;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.fs.store.StoreLock;
import org.stargzstore.types.Digest;

/** Budget, LRU order and protection of what layers in use need. */
class GarbageCollectorTest {
  @TempDir Path root;
  StoreLayout layout;
  ContentStore store;
  References refs;
  ImageRecords images;
  final Map<Digest, Set<Digest>> contentOfLayer = new HashMap<>();
  final Set<Digest> loaded = new HashSet<>();
  final Digest layerA = Digest.of(new byte[] {'A'});
  final Digest layerB = Digest.of(new byte[] {'B'});

  @BeforeEach
  void open() throws Exception {
    layout = new StoreLayout(root);
    store = ContentStore.open(layout, false);
    refs = References.load(layout);
    images = new ImageRecords(layout, store);
  }

  private Digest blob(int size, int seed, long ageMinutes) throws Exception {
    byte[] b = new byte[size];
    new java.util.Random(seed).nextBytes(b);
    Digest d = store.putHashing(b);
    Files.setLastModifiedTime(layout.blob(d),
        FileTime.from(Instant.now().minus(Duration.ofMinutes(ageMinutes))));
    return d;
  }

  private GarbageCollector gc(long budget, Duration grace) {
    return new GarbageCollector(store, refs,
        l -> contentOfLayer.getOrDefault(l, Set.of()), images, () -> loaded, new StoreLock(),
        budget, grace);
  }

  @Test
  void underBudgetNothingIsDeleted() throws Exception {
    blob(1000, 1, 10);
    GcResult r = gc(10_000, Duration.ZERO).collect();
    assertEquals(0, r.deletedBlobs());
    assertEquals(1000, r.bytesBefore());
  }

  @Test
  void overBudgetDeletesLeastRecentlyUsedFirstDownToTheLowWatermark() throws Exception {
    Digest oldest = blob(1000, 1, 30);
    Digest older = blob(1000, 2, 20);
    Digest newest = blob(1000, 3, 1);
    GcResult r = gc(2500, Duration.ZERO).collect();
    // 3000 > 2500: delete until <= 2250, i.e. the oldest one only
    assertEquals(1, r.deletedBlobs());
    assertFalse(store.contains(oldest));
    assertTrue(store.contains(older));
    assertTrue(store.contains(newest));
  }

  @Test
  void contentOfReferencedLayersIsNeverDeletedEvenOverBudget() throws Exception {
    Digest used1 = blob(1000, 1, 60);
    Digest used2 = blob(1000, 2, 60);
    Digest free = blob(1000, 3, 1);
    contentOfLayer.put(layerA, Set.of(used1, used2));
    refs.acquire("docker.io/library/a:1", layerA);
    GcResult r = gc(500, Duration.ZERO).collect();
    assertTrue(store.contains(used1));
    assertTrue(store.contains(used2));
    assertFalse(store.contains(free));
    assertTrue(r.overBudget());
    assertEquals(2000, r.liveBytes());
  }

  @Test
  void releasedLayerIsProtectedForTheGracePeriodOnly() throws Exception {
    Digest c = blob(1000, 1, 60);
    contentOfLayer.put(layerA, Set.of(c));
    refs.acquire("docker.io/library/a:1", layerA);
    refs.release("docker.io/library/a:1", layerA);
    gc(10, Duration.ofHours(1)).collect();
    assertTrue(store.contains(c), "released a moment ago: still protected");
    gc(10, Duration.ZERO).collect();
    assertFalse(store.contains(c), "grace period over: collectable");
  }

  @Test
  void loadedLayersAreProtected() throws Exception {
    Digest c = blob(1000, 1, 60);
    contentOfLayer.put(layerB, Set.of(c));
    loaded.add(layerB);
    gc(10, Duration.ZERO).collect();
    assertTrue(store.contains(c));
    loaded.clear();
    gc(10, Duration.ZERO).collect();
    assertFalse(store.contains(c));
  }
}
