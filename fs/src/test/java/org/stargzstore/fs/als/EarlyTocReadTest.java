package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;

/**
 * The TOC reads that start once the manifest is in, during the config's round trip: taken by
 * the layer's opening (never read twice), and harmless when they fail or the image does not
 * resolve. Through the mount, with a fixture made by another producer.
 */
@IntegrationTest
class EarlyTocReadTest {
  private static final String REF = "t.test/early:1";
  @TempDir Path tmp;

  private static LocalBlobsImageSource source() throws Exception {
    return new LocalBlobsImageSource().add(REF, List.of(Shared.fixture("edge.estargz.blob")),
        List.of(Shared.fixture("edge.estargz.json")));
  }

  private static String layerDigest() throws Exception {
    return new ObjectMapper().readTree(Files.readAllBytes(Shared.fixture("edge.estargz.json")))
        .get("digest").asText();
  }

  /** Opens the layer through a fresh store and mount; returns the reads it took. */
  private long openLayer(LocalBlobsImageSource src, String name) throws Exception {
    try (StoreHarness h = new StoreHarness(tmp.resolve(name), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path layer = h.mount(tmp.resolve(name + "-mnt"))
          .resolve(ImageDirectoryName.encode(REF)).resolve(layerDigest());
      assertTrue(Files.isDirectory(layer.resolve("diff")));
      long reads = src.reads.get();
      assertEquals("layer-store\n", Files.readString(layer.resolve("diff/etc/hostname")));
      return reads;
    }
  }

  @Test
  void tocReadDuringTheConfigIsTakenByTheLayerNotRepeated() throws Exception {
    long plain = openLayer(source(), "plain");
    LocalBlobsImageSource early = source();
    early.tellEarly = true;
    assertEquals(plain, openLayer(early, "early"), "the TOC was read once, early");
    assertTrue(early.readsBeforeConfig.get() >= 1,
        "the TOC read started before the config came back");
  }

  @Test
  void aFailedEarlyReadIsDoneAgainByTheLayer() throws Exception {
    long plain = openLayer(source(), "plain");
    LocalBlobsImageSource early = source();
    early.tellEarly = true;
    early.failEarlyOpen = true;
    assertEquals(plain, openLayer(early, "early"));
  }

  @Test
  void earlyReadsOfAnImageThatDoesNotResolveAreClosed() throws Exception {
    LocalBlobsImageSource src = source();
    src.tellEarly = true;
    src.failConfig = true;
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path image = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(REF));
      assertFalse(Files.exists(image.resolve(layerDigest())));
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (src.closes.get() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1, src.closes.get(), "the early read's blob was closed");
    }
  }
}
