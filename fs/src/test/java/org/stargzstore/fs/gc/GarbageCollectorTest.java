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
import java.util.List;
import org.stargzstore.fs.profile.LayerProfile;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.LayerRecord;
import org.stargzstore.fs.store.LayerRecords;
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
  LayerRecords layerRecords;
  ProfileStore profiles;
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
    layerRecords = new LayerRecords(layout, 100);
    profiles = new ProfileStore(layout, false);
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
        l -> contentOfLayer.getOrDefault(l, Set.of()), images,
        new ForgottenRecords(layerRecords, refs, profiles, images), () -> loaded,
        new StoreLock(), budget, grace);
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

  /** A layer known to the store: a record naming {@code toc}, a released reference, a profile. */
  private void knownLayer(Digest layer, Digest toc, Set<Digest> chunks) throws Exception {
    layerRecords.put(new LayerRecord(layer.toString(), "application/vnd.oci.image.layer.v1.tar+gzip",
        1000, toc.toString(), "estargz", 900, 100, 400, toc.toString()));
    refs.acquire("docker.io/library/a:1", layer);
    refs.release("docker.io/library/a:1", layer);
    profiles.store(new LayerProfile(layer, List.of("usr/bin/python3")));
    Set<Digest> content = new HashSet<>(chunks);
    content.add(toc);
    contentOfLayer.put(layer, content);
  }

  private boolean remembered(Digest layer) {
    return layerRecords.get(layer).isPresent() || profiles.load(layer).isPresent()
        || Files.exists(layout.layersDir().resolve(layer.hex() + ".refs.json"));
  }

  @Test
  void aLayerWhoseTocWasDeletedIsForgottenWithItsProfileAndReferenceFile() throws Exception {
    Digest toc = blob(100, 1, 60);
    Digest chunk = blob(1000, 2, 60);
    knownLayer(layerA, toc, Set.of(chunk));
    byte[] manifest = "{\"manifest\":1}".getBytes();
    byte[] config = "{\"config\":1}".getBytes();
    images.put(new ImageRecords.ImageRecord("docker.io/library/a:1", Digest.of(manifest),
        Digest.of(config), List.of(), List.of(), Instant.now()), manifest, config);
    for (byte[] b : List.of(manifest, config)) {
      Files.setLastModifiedTime(layout.blob(Digest.of(b)),
          FileTime.from(Instant.now().minus(Duration.ofMinutes(60))));
    }
    GcResult r = gc(10, Duration.ZERO).collect();
    assertFalse(store.contains(toc));
    assertFalse(remembered(layerA), "record, profile and reference file go with the TOC");
    assertTrue(images.all().isEmpty(), "the image record goes with its manifest");
    assertEquals(1, r.forgottenLayers());
    assertEquals(1, r.forgottenImages());
  }

  @Test
  void recordsOfLayersInUseOrWhoseTocStaysAreKept() throws Exception {
    Digest tocA = blob(100, 1, 60);
    knownLayer(layerA, tocA, Set.of());
    refs.acquire("docker.io/library/a:1", layerA);
    Digest tocB = blob(100, 2, 1);
    Digest oldChunkOfB = blob(1000, 3, 60);
    knownLayer(layerB, tocB, Set.of());
    contentOfLayer.put(layerB, Set.of(tocB, oldChunkOfB));
    // budget 1150: only the oldest unprotected blob (B's old chunk) has to go
    GcResult r = gc(1150, Duration.ZERO).collect();
    assertFalse(store.contains(oldChunkOfB));
    assertTrue(store.contains(tocB));
    assertTrue(layerRecords.get(layerB).isPresent(), "B's TOC is still stored: B is remembered");
    assertTrue(profiles.load(layerB).isPresent());
    assertTrue(layerRecords.get(layerA).isPresent(), "A is referenced: never forgotten");
    assertEquals(0, r.forgottenLayers());
  }
}
