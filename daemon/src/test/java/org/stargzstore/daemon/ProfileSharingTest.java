package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.fetch.FetchStats;
import org.stargzstore.fs.profile.ProfileJson;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.types.Digest;

/**
 * Access profiles shared through a real registry (Distribution 2.8: no referrers API, so the
 * referrers tag): daemon A records a start-up and publishes it, daemon B with an empty store
 * finds it and fetches its files in the background before anything reads them; a registry that
 * refuses the push costs one log line and nothing else. Real daemons in this JVM, FUSE, the
 * registry behind a {@link FaultProxy} that logs every request.
 */
@IntegrationTest
class ProfileSharingTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  /** Not before the edge image's landmark: only a profile makes the background fetch them. */
  private static final List<String> STARTUP = List.of("bin/rand-65537", "xattr/file",
      "opaque/kept");
  private static final String PUBLISH = "[fetch]\nprefetch_entrypoint = false\n"
      + "[profiles]\nquiet = \"300ms\"\npublish = true\n";
  /** The prioritized phase only: what it fetched is what the profile (and landmark) named. */
  private static final String FETCH_ONLY = "[fetch]\nprefetch_entrypoint = false\n"
      + "background = false\nread_ahead = \"0B\"\n";
  @TempDir Path tmp;

  private Path registriesConf(FaultProxy proxy) throws Exception {
    Path conf = tmp.resolve("registries.conf");
    Files.writeString(conf, "[[registry]]\nlocation = \"" + proxy.hostPort()
        + "\"\ninsecure = true\n");
    return conf;
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  private static Path diff(InJvmDaemon d, String image, String layer) {
    return d.mountPoint().resolve(ImageDirectoryName.encode(image)).resolve(layer)
        .resolve("diff");
  }

  private static FetchStats stats(InJvmDaemon d, String layer) {
    return d.daemon().layerStore().loadedLayer(Digest.parse(layer)).orElseThrow().fetcher()
        .stats();
  }

  /**
   * {@code status --json} shows when the profile arrived: after the layer was served, before its
   * prioritized phase began, which ended after it began; the first read came after all that.
   */
  private static void assertProfileOnTheTimeline(com.fasterxml.jackson.databind.JsonNode status,
      String layer) {
    com.fasterxml.jackson.databind.JsonNode img = status.path("images").get(0);
    com.fasterxml.jackson.databind.JsonNode t = img.path("layers").get(0).path("timeline");
    assertEquals(layer, img.path("layers").get(0).path("digest").asText());
    com.fasterxml.jackson.databind.JsonNode prio = t.path("phases").path("prioritized");
    long[] order = {img.path("timeline").path("lookup").asLong(),
        img.path("timeline").path("manifest").asLong(), t.path("tocRequested").asLong(),
        t.path("tocLoaded").asLong(), t.path("served").asLong(),
        t.path("profileArrived").asLong(), prio.path("firstStart").asLong(),
        prio.path("lastEnd").asLong()};
    for (int i = 1; i < order.length; i++) {
      assertTrue(order[i - 1] > 0 && order[i - 1] <= order[i], "out of order at " + i + ": "
          + status.toPrettyString());
    }
    assertTrue(prio.path("requests").asLong() >= 1, t.toPrettyString());
    assertTrue(t.path("firstRead").asLong() >= t.path("profileArrived").asLong(),
        t.toPrettyString());
  }

  @Test
  void aProfilePublishedByOneNodeMakesAnotherNodesColdStartFetchItsFilesFirst() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "profiles/edge", "1");
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri())) {
      Path conf = registriesConf(proxy);
      String image = proxy.hostPort() + "/profiles/edge:1";
      try (InJvmDaemon a = InJvmDaemon.start(tmp.resolve("a"), tmp.resolve("mnt-a"), conf,
          PUBLISH)) {
        for (String f : STARTUP) {
          assertArrayEquals(EdgeImage.member(f), Files.readAllBytes(diff(a, image, layer)
              .resolve(f)));
        }
        await("the profile is published under the referrers tag", () -> proxy.seen().stream()
            .anyMatch(s -> s.method().equals("PUT") && s.target().contains("/manifests/sha256-")
                && s.status() == 201));
        assertTrue(Files.isRegularFile(new StoreLayout(a.storeRoot()).profile(
            Digest.parse(layer))));
      }
      int before = proxy.seen().size();
      try (InJvmDaemon b = InJvmDaemon.start(tmp.resolve("b"), tmp.resolve("mnt-b"), conf,
          FETCH_ONLY)) {
        assertTrue(Files.isDirectory(diff(b, image, layer).resolve("bin")));
        FetchStats s = stats(b, layer);
        // the landmark's files are 4 KiB; the profile adds a 64 KiB file of random bytes
        await("the profile's files are fetched in the background",
            () -> s.bytesByReason().getOrDefault(FetchReason.PRIORITIZED, 0L) > 66_000);
        Thread.sleep(500);
        for (String f : STARTUP) {
          assertArrayEquals(EdgeImage.member(f), Files.readAllBytes(diff(b, image, layer)
              .resolve(f)));
        }
        assertEquals(0L, s.bytesByReason().getOrDefault(FetchReason.DEMAND, 0L),
            "a profiled file was read on demand: " + s.bytesByReason());
        assertProfileOnTheTimeline(b.daemon().status(), layer);
        assertTrue(Files.isRegularFile(new StoreLayout(b.storeRoot()).profile(
            Digest.parse(layer))), "the published profile is kept in B's store");
        List<FaultProxy.Seen> asked = proxy.seen().subList(before, proxy.seen().size());
        assertTrue(asked.stream().anyMatch(x -> x.target().contains("/referrers/sha256:")
            && x.status() == 404), "referrers API tried first: " + asked);
        assertTrue(asked.stream().anyMatch(x -> x.target().contains("/manifests/sha256-")
            && x.status() == 200), "then the referrers tag: " + asked);
      }
    }
  }

  @Test
  void aStartUpThatOpensNothingNewPublishesNothingAgain() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "profiles/again", "1");
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri())) {
      Path conf = registriesConf(proxy);
      String image = proxy.hostPort() + "/profiles/again:1";
      for (int run = 1; run <= 2; run++) {
        try (InJvmDaemon a = InJvmDaemon.start(tmp.resolve("a"), tmp.resolve("mnt-a"), conf,
            PUBLISH)) {
          for (String f : STARTUP) {
            Files.readAllBytes(diff(a, image, layer).resolve(f));
          }
          if (run == 1) {
            await("the profile is published", () -> profilePushes(proxy) == 1);
          } else {
            // past the quiet period and a few housekeeping ticks: the same files, nothing new
            Thread.sleep(2_000);
          }
        }
      }
      assertEquals(1, profilePushes(proxy),
          "the second start-up opened the same files: " + proxy.seen());
    }
  }

  private static long profilePushes(FaultProxy proxy) {
    return proxy.seen().stream().filter(s -> s.method().equals("PUT")
        && s.target().contains("/manifests/sha256-") && s.status() == 201).count();
  }

  @Test
  void aRegistryThatRefusesThePushCostsOneLogLineAndNothingElse() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "profiles/readonly", "1");
    LogRecords capture = new LogRecords();
    Logger log = Logger.getLogger("org.stargzstore.fs.als");
    log.addHandler(capture);
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri())) {
      proxy.inject(r -> !r.method().equals("GET") && !r.method().equals("HEAD"),
          FaultProxy.status(403), -1);
      Path conf = registriesConf(proxy);
      String image = proxy.hostPort() + "/profiles/readonly:1";
      try (InJvmDaemon a = InJvmDaemon.start(tmp.resolve("a"), tmp.resolve("mnt-a"), conf,
          PUBLISH)) {
        for (String f : STARTUP) {
          assertArrayEquals(EdgeImage.member(f), Files.readAllBytes(diff(a, image, layer)
              .resolve(f)));
        }
        await("a push is refused", () -> proxy.seen().stream().anyMatch(s -> s.status() == 403));
        // a second start-up's profile is refused too, and not logged again
        assertArrayEquals(EdgeImage.member("bin/rand-4095"),
            Files.readAllBytes(diff(a, image, layer).resolve("bin/rand-4095")));
        await("the second save is refused",
            () -> proxy.seen().stream().filter(s -> s.status() == 403).count() >= 2);
        assertArrayEquals(EdgeImage.member("bin/rand-65535"),
            Files.readAllBytes(diff(a, image, layer).resolve("bin/rand-65535")));
      } finally {
        log.removeHandler(capture);
      }
      List<String> warnings = capture.lines().stream()
          .filter(s -> s.startsWith("WARNING") && s.contains("could not publish")).toList();
      assertEquals(1, warnings.size(), "logs: " + capture.lines());
      assertTrue(warnings.get(0).contains("profiles/readonly:1"), warnings.get(0));
      assertFalse(capture.lines().stream().anyMatch(s -> s.startsWith("SEVERE")),
          "logs: " + capture.lines());
    }
  }

  @Test
  void aTamperedPublishedProfileIsIgnoredWithTheReason() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "profiles/tampered", "1");
    LogRecords capture = new LogRecords();
    Logger log = Logger.getLogger("org.stargzstore.fs.als");
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri())) {
      Path conf = registriesConf(proxy);
      String image = proxy.hostPort() + "/profiles/tampered:1";
      try (InJvmDaemon a = InJvmDaemon.start(tmp.resolve("a"), tmp.resolve("mnt-a"), conf,
          PUBLISH)) {
        for (String f : STARTUP) {
          Files.readAllBytes(diff(a, image, layer).resolve(f));
        }
        await("the profile is published", () -> proxy.seen().stream()
            .anyMatch(s -> s.method().equals("PUT") && s.target().contains("/manifests/sha256-")
                && s.status() == 201));
      }
      // the profile blob: the pushed blob that is not the artifact's empty config ("{}")
      String empty = Digest.of("{}".getBytes()).toString();
      String blob = proxy.seen().stream()
          .filter(s -> s.method().equals("PUT") && s.target().contains("digest=sha256"))
          .map(s -> java.net.URLDecoder.decode(s.target().replaceAll(".*digest=", ""),
              java.nio.charset.StandardCharsets.UTF_8))
          .filter(d -> !d.equals(empty)).findFirst().orElseThrow();
      // a profile that names another layer's files, served under the published blob's digest
      proxy.inject(r -> r.isBlobGet() && r.path().endsWith(blob),
          new FaultProxy.Fault.Status(200, java.util.Map.of(), "{\"mediaType\":\""
              + ProfileJson.MEDIA_TYPE + "\",\"layers\":{\"" + layer
              + "\":[\"bin/rand-1048576\"]}}"), -1);
      log.addHandler(capture);
      try (InJvmDaemon b = InJvmDaemon.start(tmp.resolve("b"), tmp.resolve("mnt-b"), conf,
          FETCH_ONLY)) {
        assertTrue(Files.isDirectory(diff(b, image, layer).resolve("bin")));
        await("the tampered profile is refused", () -> capture.lines().stream()
            .anyMatch(l -> l.contains("access profile of " + image + " not used")));
        assertArrayEquals(EdgeImage.member("xattr/file"),
            Files.readAllBytes(diff(b, image, layer).resolve("xattr/file")));
        assertTrue(stats(b, layer).bytesByReason().getOrDefault(FetchReason.PRIORITIZED, 0L)
            < 60_000, "nothing of the tampered profile was fetched");
        assertFalse(Files.exists(new StoreLayout(b.storeRoot()).profile(Digest.parse(layer))
            .resolveSibling("none")));
      } finally {
        log.removeHandler(capture);
      }
      String line = capture.lines().stream().filter(l -> l.contains("not used")).findFirst().orElseThrow();
      assertTrue(line.startsWith("WARNING") && line.contains(blob), line);
    }
  }

  @Test
  void theProfileCommandsPublishARecordedProfileByHandAndShowIt() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "profiles/byhand", "1");
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri())) {
      Path conf = registriesConf(proxy);
      String image = proxy.hostPort() + "/profiles/byhand:1";
      // the default configuration records, and publishes nothing
      try (InJvmDaemon a = InJvmDaemon.start(tmp.resolve("a"), tmp.resolve("mnt-a"), conf,
          "[fetch]\nprefetch_entrypoint = false\n")) {
        for (String f : STARTUP) {
          Files.readAllBytes(diff(a, image, layer).resolve(f));
        }
      }
      assertTrue(proxy.seen().stream().noneMatch(s -> !s.method().equals("GET")
          && !s.method().equals("HEAD")), "nothing written: " + proxy.seen());
      String[] registry = {"--registries-conf", conf.toString(), "--authfile",
          tmp.resolve("auth.json").toString(), "--certs-d", tmp.resolve("certs.d").toString()};
      String[] config = {"--config", tmp.resolve("a/config.toml").toString()};
      String[] none = cli(config, "profile", "show", image, registry);
      assertEquals("1", none[0], none[2]);
      assertTrue(none[2].contains("no access profile published for " + image), none[2]);
      String[] push = cli(config, "profile", "push", image, registry);
      assertEquals("0", push[0], push[2]);
      assertTrue(push[1].contains("1 layer(s), 3 file(s)"), push[1]);
      String[] show = cli(config, "profile", "show", image, registry);
      assertEquals("0", show[0], show[2]);
      var files = new com.fasterxml.jackson.databind.ObjectMapper().readTree(show[1])
          .path("layers").path(layer);
      assertEquals(STARTUP, java.util.stream.StreamSupport.stream(files.spliterator(), false)
          .map(com.fasterxml.jackson.databind.JsonNode::asText).toList());
    }
  }

  /** Runs the CLI: exit code, stdout, stderr. */
  private static String[] cli(String[] config, String cmd, String sub, String image,
      String[] registry) {
    List<String> args = new ArrayList<>(List.of(config));
    args.addAll(List.of(cmd, sub, image));
    args.addAll(List.of(registry));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code;
    try (java.io.PrintStream o = new java.io.PrintStream(out, true);
        java.io.PrintStream e = new java.io.PrintStream(err, true)) {
      code = org.stargzstore.daemon.cli.Main.run(o, e, args.toArray(String[]::new));
    }
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }
}
