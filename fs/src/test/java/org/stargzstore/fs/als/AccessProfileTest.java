package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.fetch.LayerFetcher;
import org.stargzstore.fs.profile.LayerProfile;
import org.stargzstore.fs.profile.ProfileJson;
import org.stargzstore.fs.profile.ProfileSettings;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;

/**
 * Access profiles through a real mount: a start-up's opened files are saved per layer once it
 * is quiet, and the next cold start of the layer (a fresh store given only the profile)
 * fetches exactly those files in the background before anyone reads them.
 */
@IntegrationTest
class AccessProfileTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REF = "t.test/profile:1";
  /** Not before the landmark: only a profile makes the prioritized phase fetch them. */
  private static final List<String> STARTUP = List.of("bin/rand-65537", "xattr/file",
      "bin/rand-4095");
  private static final String UNREAD = "bin/rand-1048576";

  @TempDir Path tmp;

  private static Digest layerDigest() throws IOException {
    return Digest.parse(JSON.readTree(Files.readAllBytes(Shared.fixture("edge.zstd-podman.json")))
        .get("digest").asText());
  }

  private static LocalBlobsImageSource source() throws IOException {
    return new LocalBlobsImageSource().add(REF, List.of(Shared.fixture("edge.zstd-podman.blob")),
        List.of(Shared.fixture("edge.zstd-podman.json")));
  }

  /** Prioritized phase only (no bulk background, no read-ahead), profiles saved after 300 ms. */
  private static LayerStoreConfig config(boolean profiles) {
    LayerStoreConfig d = LayerStoreConfig.defaults();
    return new LayerStoreConfig(d.resolveTimeout(), d.readTimeout(),
        new FetchPolicy(0, 64 << 10, 256 << 10, true, false, false, 0, 0), d.releaseGrace(),
        d.failureRetry(), false,
        profiles ? new ProfileSettings(true, Duration.ofMillis(300), false, false) : ProfileSettings.off());
  }

  private Path layerDir(StoreHarness h, String mnt) throws Exception {
    return h.mount(tmp.resolve(mnt)).resolve(ImageDirectoryName.encode(REF))
        .resolve(layerDigest().toString());
  }

  private static void await(String what, java.util.function.BooleanSupplier done)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  private static boolean cached(StoreHarness h, LayerFetcher f, String file) {
    LayerEntry e = f.index().entry(file).orElseThrow();
    for (Chunk c : e.chunks()) {
      if (!h.fetch.cache().has(c)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aStartUpIsSavedInFirstOpenOrderAndAnotherRunAddsItsNewFilesAtTheEnd() throws Exception {
    Path root = tmp.resolve("a");
    Digest layer = layerDigest();
    ProfileStore profiles = new ProfileStore(new StoreLayout(root), false);
    try (StoreHarness h = new StoreHarness(root, source(), config(true))) {
      Path l = layerDir(h, "mnt-a");
      for (String f : STARTUP) {
        Files.readAllBytes(l.resolve("diff").resolve(f));
      }
      await("the profile is saved", () -> profiles.load(layer).isPresent());
      assertEquals(STARTUP, profiles.load(layer).orElseThrow().files());
    }
    // a second run on the same node opens one new file and one known one
    try (StoreHarness h = new StoreHarness(root, source(), config(true))) {
      Path l = layerDir(h, "mnt-a2");
      Files.readAllBytes(l.resolve("diff/opaque/kept"));
      Files.readAllBytes(l.resolve("diff/xattr/file"));
    }
    // saved at shutdown at the latest: the first run's order, the new file at the end
    List<String> expected = new ArrayList<>(STARTUP);
    expected.add("opaque/kept");
    assertEquals(expected, profiles.load(layer).orElseThrow().files());
  }

  @Test
  void aColdStartWithAProfileFetchesItsFilesBeforeAnyRead() throws Exception {
    Digest layer = layerDigest();
    // without a profile, opening the layer fetches none of those files
    try (StoreHarness h = new StoreHarness(tmp.resolve("control"), source(), config(true))) {
      Path l = layerDir(h, "mnt-c");
      assertTrue(Files.isDirectory(l.resolve("diff/bin")));
      LayerFetcher f = h.store.loadedLayer(layer).orElseThrow().fetcher();
      Thread.sleep(1000);
      for (String file : STARTUP) {
        assertFalse(cached(h, f, file), file + " fetched without a profile");
      }
    }
    // a fresh store given only the profile (and a name the layer does not have)
    Path root = tmp.resolve("b");
    List<String> hinted = new ArrayList<>(STARTUP);
    hinted.add(1, "usr/lib/not-in-this-layer.so");
    StoreLayout layout = new StoreLayout(root);
    layout.createDirectories();
    new ProfileStore(layout, false).store(new LayerProfile(layer, hinted));
    try (StoreHarness h = new StoreHarness(root, source(), config(true))) {
      Path l = layerDir(h, "mnt-b");
      assertTrue(Files.isDirectory(l.resolve("diff/bin")));
      LayerFetcher f = h.store.loadedLayer(layer).orElseThrow().fetcher();
      await("the profile's files are fetched",
          () -> STARTUP.stream().allMatch(file -> cached(h, f, file)));
      assertFalse(cached(h, f, UNREAD), "a file outside the profile was fetched");
      assertEquals(0L, f.stats().bytesByReason().getOrDefault(FetchReason.DEMAND, 0L));
      assertTrue(f.stats().bytesByReason().getOrDefault(FetchReason.PRIORITIZED, 0L) > 0);
      // and they read back exactly, from the cache
      long before = f.stats().bytesFetched();
      assertEquals(25, Files.readAllBytes(l.resolve("diff/xattr/file")).length);
      assertEquals(before, f.stats().bytesFetched());
    }
  }

  @Test
  void anInvalidStoredProfileIsIgnoredWithTheReason() throws Exception {
    Digest layer = layerDigest();
    Path root = tmp.resolve("bad");
    StoreLayout layout = new StoreLayout(root);
    Files.createDirectories(layout.profilesDir());
    Files.writeString(layout.profile(layer), "{\"mediaType\":\"" + ProfileJson.MEDIA_TYPE
        + "\",\"layers\":{\"" + layer + "\":[\"ok\", 7]}}");
    LogRecords capture = new LogRecords();
    Logger log = Logger.getLogger(ProfileStore.class.getName());
    log.addHandler(capture);
    try (StoreHarness h = new StoreHarness(root, source(), config(true))) {
      Path l = layerDir(h, "mnt-bad");
      assertEquals(19, Files.readAllBytes(l.resolve("diff/opaque/kept"))
          .length);
      assertTrue(capture.lines().stream().anyMatch(s -> s.startsWith("WARNING access profile ignored")
          && s.contains(layout.profile(layer).toString()) && s.contains("invalid file name")),
          "log: " + capture.lines());
    } finally {
      log.removeHandler(capture);
    }
  }
}
