package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.profile.ProfileSettings;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * What starts as soon as an image's manifest is in, before its config (issue 19, the critical
 * path of a cold start), through the real registry client, registry and mount: the TOC read
 * early is verified like any other (a TOC whose digest is not the manifest's annotation is
 * refused and nothing of the layer is served), and the access profile lookup does not wait for
 * the config (nor the referrers tag for the referrers API).
 */
@IntegrationTest
class EarlyRegistryReadsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static RegistryServer registry;
  private static FaultProxy proxy;
  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.builder().build();
    registry.start();
    proxy = FaultProxy.start(registry.baseUri());
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (registry != null) {
      registry.stop();
    }
  }

  @Test
  void aTocReadEarlyThatDoesNotMatchTheAnnotationIsRefused() throws Exception {
    Digest wrong = Digest.of("not the TOC".getBytes(StandardCharsets.UTF_8));
    ResolvedImage img = push("early/bad-toc:1", wrong);
    String layer = img.layers().get(0).digest().toString();
    LogRecords capture = new LogRecords();
    Logger als = Logger.getLogger("org.stargzstore.fs.als");
    Logger early = Logger.getLogger(EarlyTocReads.class.getName());
    Level before = early.getLevel();
    early.setLevel(Level.FINE);
    als.addHandler(capture);
    try (RegistryClient client = client();
        StoreHarness h = new StoreHarness(tmp.resolve("root"),
            new RegistryImageSource(client, Duration.ofSeconds(30)),
            LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path image = h.mount(tmp.resolve("mnt"))
          .resolve(ImageDirectoryName.encode(proxy.hostPort() + "/early/bad-toc:1"));
      assertTrue(Files.exists(image.resolve("manifest")), "the image resolves");
      assertFalse(Files.exists(image.resolve(layer).resolve("diff/etc/hostname")),
          "nothing of the layer is served");
      assertFalse(Files.exists(image.resolve(layer)), "the layer's directory is not there");
    } finally {
      als.removeHandler(capture);
      early.setLevel(before);
    }
    String all = String.join("\n", capture.lines());
    assertTrue(capture.lines().stream().anyMatch(l -> l.contains("early TOC read of " + layer)
        && l.contains("failed")), "the TOC was read early and refused there:\n" + all);
    assertTrue(capture.lines().stream().anyMatch(l -> l.contains("TOC digest mismatch")
        && l.contains(wrong.toString()) && l.contains(layer)),
        "the log names the layer, the mismatch and the expected digest:\n" + all);
  }

  @Test
  void theProfileLookupStartsBeforeTheConfigArrives() throws Exception {
    ResolvedImage img = push("early/profile:1", null);
    // the config never comes: the image does not resolve, yet its manifest is known
    proxy.inject(r -> r.path().endsWith("/blobs/" + img.configDigest()),
        FaultProxy.status(404), -1);
    try (RegistryClient client = client();
        StoreHarness h = new StoreHarness(tmp.resolve("root"),
            new RegistryImageSource(client, Duration.ofSeconds(30)),
            LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly())
                .withProfiles(ProfileSettings.defaults()))) {
      Path image = h.mount(tmp.resolve("mnt"))
          .resolve(ImageDirectoryName.encode(proxy.hostPort() + "/early/profile:1"));
      assertFalse(Files.exists(image.resolve("manifest")), "the image does not resolve");
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!askedForReferrers(img) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(askedForReferrers(img), "the registry was asked for the manifest's profile: "
          + proxy.seen());
    } finally {
      proxy.clearFaults();
    }
  }

  @Test
  void theReferrersApiAndTheReferrersTagAreAskedAtOnce() throws Exception {
    ResolvedImage img = push("early/referrers:1", null);
    proxy.clearSeen();
    // the proxy records a delayed request once it is answered, any other when it is answered
    // the referrers API only (the repository's own name has "/referrers/" in every path)
    proxy.inject(r -> r.path().contains("/referrers/sha256:"),
        FaultProxy.delay(Duration.ofMillis(1500)), -1);
    try (RegistryClient client = client();
        StoreHarness h = new StoreHarness(tmp.resolve("root"),
            new RegistryImageSource(client, Duration.ofSeconds(30)),
            LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly())
                .withProfiles(ProfileSettings.defaults()))) {
      Path image = h.mount(tmp.resolve("mnt"))
          .resolve(ImageDirectoryName.encode(proxy.hostPort() + "/early/referrers:1"));
      assertTrue(Files.exists(image.resolve("manifest")), "the image resolves");
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (indexOf("/referrers/" + img.manifestDigest()) < 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      int api = indexOf("/referrers/" + img.manifestDigest());
      int tag = indexOf("/manifests/sha256-" + img.manifestDigest().hex());
      assertTrue(api >= 0 && tag >= 0, "both asked: " + proxy.seen());
      assertTrue(tag < api, "the tag was answered while the referrers API was still delayed: "
          + proxy.seen());
    } finally {
      proxy.clearFaults();
    }
  }

  private static int indexOf(String target) {
    List<FaultProxy.Seen> seen = proxy.seen();
    for (int i = 0; i < seen.size(); i++) {
      if (seen.get(i).target().contains(target)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean askedForReferrers(ResolvedImage img) {
    return proxy.seen().stream().anyMatch(s -> s.target().contains("/referrers/"
        + img.manifestDigest()) || s.target().endsWith("/manifests/sha256-"
        + img.manifestDigest().hex()));
  }

  /**
   * Pushes the eStargz fixture as a one-layer image, its TOC digest annotation replaced by
   * {@code tocDigest} if given.
   */
  private ResolvedImage push(String repoTag, Digest tocDigest) throws Exception {
    ObjectNode desc = (ObjectNode) JSON.readTree(
        Files.readAllBytes(Shared.fixture("edge.estargz.json")));
    if (tocDigest != null) {
      ((ObjectNode) desc.get("annotations")).put(LayerDescriptor.STARGZ_TOC_DIGEST,
          tocDigest.toString());
    }
    Path descFile = tmp.resolve("layer.json");
    JSON.writeValue(descFile.toFile(), desc);
    ResolvedImage img;
    try (RegistryClient c = client()) {
      img = ProxiedPush.oneLayer(c, proxy.hostPort() + "/" + repoTag,
          Shared.fixture("edge.estargz.blob"), descFile);
    }
    assertEquals(1, img.layers().size());
    return img;
  }

  private RegistryClient client() throws Exception {
    return ProxiedPush.client(tmp, proxy.hostPort());
  }
}
