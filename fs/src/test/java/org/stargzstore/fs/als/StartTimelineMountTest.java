package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.fetch.StartTimeline;
import org.stargzstore.fs.fetch.StartTimeline.Milestone;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.types.Digest;

/**
 * A cold start's timeline, filled by a real lazy read: the real registry, the registry client,
 * the layer store and the FUSE mount. The image's lookup, manifest and resolution, then the
 * layer's TOC request, TOC, serving, first read through the mount, its own demand request and
 * its wait, and the last read come in that order, each once.
 */
@IntegrationTest
class StartTimelineMountTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir Path tmp;

  @Test
  void aLazyReadFillsTheTimelineInOrder() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "timeline/edge", "1");
    String ref = REGISTRY.hostPort() + "/timeline/edge:1";
    long before = System.currentTimeMillis();
    try (RegistryClient client = RegistryClient.create(RegistryClientConfig.builder()
            .insecureHosts(List.of(REGISTRY.hostPort())).readTimeout(Duration.ofSeconds(30))
            .build());
        StoreHarness h = new StoreHarness(tmp.resolve("root"),
            new RegistryImageSource(client, Duration.ofSeconds(30)),
            LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path diff = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref))
          .resolve(layer).resolve("diff");
      assertTrue(Files.isDirectory(diff.resolve("bin")));
      MountedLayer l = h.store.loadedLayer(Digest.parse(layer)).orElseThrow();
      StartTimeline lt = l.fetcher().timeline();
      assertEquals(0, lt.at(Milestone.FIRST_READ), "listing a directory reads no file");

      assertEquals(EdgeImage.member("bin/rand-1048576").length,
          Files.readAllBytes(diff.resolve("bin/rand-1048576")).length);
      long firstLastRead = lt.at(Milestone.LAST_READ);
      Thread.sleep(5);
      Files.readAllBytes(diff.resolve("bin/rand-3145745"));
      long after = System.currentTimeMillis();

      StartTimeline it = h.store.images().get(0).timeline();
      assertInOrder(before, it.at(Milestone.LOOKUP), it.at(Milestone.MANIFEST),
          it.at(Milestone.RESOLVED), after);
      // the layer's TOC read starts once the manifest is in, before the config
      assertInOrder(it.at(Milestone.MANIFEST), lt.at(Milestone.TOC_REQUESTED),
          lt.at(Milestone.TOC_LOADED), lt.at(Milestone.SERVED), lt.at(Milestone.FIRST_READ),
          firstLastRead, lt.at(Milestone.LAST_READ), after);
      assertTrue(lt.at(Milestone.LAST_READ) > firstLastRead, "the second file's read is later");
      assertFalse(lt.milestones().containsKey(Milestone.PROFILE_ARRIVED), "no access profile");

      Map<FetchReason, StartTimeline.Phase> phases = lt.phases();
      StartTimeline.Phase demand = phases.get(FetchReason.DEMAND);
      assertTrue(demand != null && demand.requests() >= 1, phases.toString());
      assertInOrder(lt.at(Milestone.FIRST_READ), demand.firstStartMillis(),
          demand.lastEndMillis(), after);
      assertFalse(phases.containsKey(FetchReason.PRIORITIZED), "on demand only: " + phases);

      List<StartTimeline.Wait> waits = lt.longestWaits();
      StartTimeline.Wait first = waits.stream()
          .filter(w -> w.path().equals("bin/rand-1048576")).findFirst()
          .orElseThrow(() -> new AssertionError("the cold read's wait: " + waits));
      assertEquals("own-request", first.waitedFor());
      assertTrue(first.bytes() > 0, first.toString());
      assertInOrder(lt.at(Milestone.FIRST_READ), first.startMillis(),
          first.startMillis() + first.millis(), after);
      assertEquals(Math.min(StartTimeline.MAX_WAITS, l.fetcher().stats().readsWaited()),
          waits.size(), "every wait up to the bound is kept");
      for (int i = 1; i < waits.size(); i++) {
        assertTrue(waits.get(i - 1).millis() >= waits.get(i).millis(), waits.toString());
      }
    }
  }

  private static void assertInOrder(long... times) {
    for (int i = 1; i < times.length; i++) {
      assertTrue(times[i - 1] > 0 && times[i - 1] <= times[i],
          "out of order at " + i + ": " + java.util.Arrays.toString(times));
    }
  }
}
