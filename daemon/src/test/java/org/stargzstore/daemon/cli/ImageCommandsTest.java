package org.stargzstore.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.testkit.TestLayers;
import org.stargzstore.types.Digest;

/**
 * {@code image inspect} and registry-to-registry {@code convert} against the real registry,
 * with images made by producers this project did not write: a plain gzip image and a
 * zstd:chunked (stargz-snapshotter flavour) one from {@code push-image.py} (gzip, and the
 * reference Go implementation), and a zstd:chunked one from {@code podman push}. Converted
 * images are checked by the reference reader ({@code refgen verify}) and pulled and run by
 * podman 4.3.1.
 */
@IntegrationTest
class ImageCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().build();

  private static Path dir;
  private static String gzipManifest;
  private static PodmanSandbox podman;

  @BeforeAll
  static void images() throws Exception {
    dir = Files.createTempDirectory("srs-image-cmds-");
    Files.writeString(dir.resolve("config.toml"), "");
    Files.writeString(dir.resolve("registries.conf"), "");
    Path base = TestLayers.busyboxLayer(dir.resolve("base.tar"));
    Path data = TestLayers.dataLayer(dir.resolve("data.tar"), 3);
    String out = ImagePusher.pushimg(REGISTRY, "src/app:gzip", "gzip", List.of(base, data));
    gzipManifest = JSON.readTree(out.lines().filter(l -> l.contains("\"manifest\""))
        .findFirst().orElseThrow()).get("manifest").asText();
    ImagePusher.pushimg(REGISTRY, "src/app:refgen-zstd", "zstd-stargz", List.of(base, data));
    ImagePusher.podmanZstdChunked(REGISTRY, "src/app:podman-zstd",
        TestLayers.flatRootfs(dir.resolve("flat.tar"), 3));
    podman = PodmanSandbox.create(null, List.of(REGISTRY.hostPort()));
  }

  @AfterAll
  static void cleanUp() {
    if (podman != null) {
      podman.close();
    }
    TempDirs.deleteRecursively(dir);
  }

  private record Run(int code, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  private static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // an empty daemon configuration, and registry files of the test's own: never the machine's
    List<String> all = new ArrayList<>(List.of("--config", dir.resolve("config.toml").toString()));
    all.addAll(List.of(args));
    if (args[0].equals("image") || args[0].equals("convert")) {
      all.addAll(List.of("--registries-conf", dir.resolve("registries.conf").toString(),
          "--authfile", dir.resolve("auth.json").toString(),
          "--certs-d", dir.resolve("certs.d").toString()));
    }
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(o, e, all.toArray(String[]::new));
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  private static String ref(String s) {
    return REGISTRY.hostPort() + "/" + s;
  }

  private static JsonNode inspect(String image) throws Exception {
    Run r = cli("image", "inspect", "--tls-verify=false", image);
    assertEquals(0, r.code(), r.err());
    return r.json();
  }

  @Test
  void plainGzipImageIsReportedNotLazilyPullable() throws Exception {
    JsonNode j = inspect(ref("src/app:gzip"));
    assertEquals(gzipManifest, j.get("manifest").get("digest").asText(),
        "the digest push-image.py computed");
    assertEquals(2, j.get("layers").size());
    assertFalse(j.get("lazilyPullable").asBoolean());
    for (JsonNode l : j.get("layers")) {
      assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", l.get("mediaType").asText());
      assertTrue(l.get("format").isNull(), l.toString());
      assertFalse(l.get("lazy").asBoolean());
      assertTrue(l.get("reason").asText().contains("gzip"), l.toString());
    }
    assertEquals("layers", j.get("config").get("content").get("rootfs").get("type").asText());
  }

  @Test
  void zstdChunkedPushedByPodmanIsReportedAsContainersStorageFlavour() throws Exception {
    JsonNode j = inspect(ref("src/app:podman-zstd"));
    assertTrue(j.get("lazilyPullable").asBoolean(), j.toString());
    for (JsonNode l : j.get("layers")) {
      assertEquals("zstd:chunked (containers/storage)", l.get("format").asText());
      assertEquals("zstd:chunked (containers/storage)", l.get("annotatedFormat").asText());
      assertTrue(l.get("tocVerified").asBoolean());
      assertTrue(l.get("entries").asInt() > 10, l.toString());
      // podman 4.3.1 writes only the io.containers.zstd-chunked.* keys podman 5.1+ ignores
      assertTrue(l.get("annotations").has("io.containers.zstd-chunked.manifest-checksum"));
      assertFalse(l.get("annotations").has("io.github.containers.zstd-chunked.manifest-checksum"));
      String note = l.path("note").asText();
      assertTrue(note.contains("podman 5.1 and later do not look these up"), l.toString());
      assertTrue(note.contains("podman 4.4 or later") && note.contains("convert"), note);
    }
  }

  @Test
  void zstdChunkedMadeByTheReferenceBuilderIsReportedAsStargzFlavour() throws Exception {
    JsonNode j = inspect(ref("src/app:refgen-zstd"));
    assertTrue(j.get("lazilyPullable").asBoolean(), j.toString());
    for (JsonNode l : j.get("layers")) {
      assertEquals("zstd:chunked (stargz-snapshotter)", l.get("format").asText());
      assertFalse(l.has("note"), "podman 5.1+ looks it up by its stargz TOC digest: " + l);
    }
  }

  @Test
  void convertedToEstargzIsReportedVerifiedByTheReferenceReaderAndRunByPodman()
      throws Exception {
    Run c = cli("convert", "--format", "estargz", "--tls-verify=false",
        "docker://" + ref("src/app:gzip"), "docker://" + ref("conv/app:estargz"));
    assertEquals(0, c.code(), c.err());
    JsonNode summary = c.json();
    assertEquals(2, summary.get("layers").size());
    assertTrue(c.err().contains("pushed " + ref("conv/app:estargz")), c.err());

    JsonNode j = inspect(ref("conv/app:estargz"));
    assertEquals(summary.get("manifestDigest").asText(), j.get("manifest").get("digest").asText());
    assertTrue(j.get("lazilyPullable").asBoolean(), j.toString());
    try (RegistryClient client = RegistryClient.create(RegistryClientConfig.builder()
        .insecureHosts(List.of(REGISTRY.hostPort())).build())) {
      for (JsonNode l : j.get("layers")) {
        assertEquals("estargz", l.get("format").asText());
        // the reference reader opens the converted blob and verifies every chunk
        Path blob = dir.resolve("conv-" + l.get("digest").asText().substring(7));
        try (OutputStream o = Files.newOutputStream(blob)) {
          client.blob(ImageReference.parse(ref("conv/app:estargz")),
              Digest.parse(l.get("digest").asText()), l.get("size").asLong()).copyTo(o);
        }
        ExternalTools.run(List.of(ExternalTools.refgen().toString(), "verify", "gzip",
            blob.toString(), l.get("tocDigest").asText()), 120).requireSuccess();
      }
    }
    podman.podman(300, "pull", "--tls-verify=false", ref("conv/app:estargz")).requireSuccess();
    // busybox's shell comes from the first layer, hello.txt and the whiteout from the second
    // (podman mounts its own /etc/hostname, so that file is not checked)
    String out = podman.run(ref("conv/app:estargz"), "/bin/sh", "-c",
        "cat /data/hello.txt; ls /etc").requireSuccess().output();
    assertTrue(out.contains("hello from a lazily pulled layer"), out);
    assertFalse(out.contains("removed-later"), "the second layer's whiteout survived: " + out);
  }

  @Test
  void convertedToZstdChunkedIsPulledAndRunByPodman() throws Exception {
    Run c = cli("convert", "--format", "zstd-chunked", "--tls-verify=false",
        "docker://" + ref("src/app:gzip"), "docker://" + ref("conv/app:zstd"));
    assertEquals(0, c.code(), c.err());
    JsonNode j = inspect(ref("conv/app:zstd"));
    assertTrue(j.get("lazilyPullable").asBoolean(), j.toString());
    for (JsonNode l : j.get("layers")) {
      assertEquals("zstd:chunked (containers/storage)", l.get("format").asText());
      assertFalse(l.has("note"), "our converter writes the keys podman 5.1+ reads: " + l);
    }
    podman.podman(300, "pull", "--tls-verify=false", ref("conv/app:zstd")).requireSuccess();
    String out = podman.run(ref("conv/app:zstd"), "/bin/cat", "/data/hello.txt")
        .requireSuccess().output();
    assertTrue(out.contains("hello from a lazily pulled layer"), out);
  }

  @Test
  void mistakesEndInOneClearLine() throws Exception {
    Run mixed = cli("convert", "--format", "estargz", "docker://" + ref("src/app:gzip"),
        dir.resolve("out.blob").toString());
    assertEquals(2, mixed.code());
    assertTrue(mixed.err().contains("not one of each"), mixed.err());

    Run missing = cli("image", "inspect", "--tls-verify=false", ref("src/nothing:1"));
    assertEquals(1, missing.code());
    assertTrue(missing.err().startsWith("error: pulling manifest " + ref("src/nothing:1")),
        missing.err());
    assertFalse(missing.err().contains("\tat "), "no stack trace: " + missing.err());

    Run bad = cli("image", "inspect", "Bad/Name");
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("repository name must be lowercase"), bad.err());

    Run tls = cli("image", "inspect", ref("src/app:gzip"));
    assertEquals(1, tls.code());
    assertTrue(tls.err().contains("HTTPS"), "TLS is required unless told otherwise: "
        + tls.err());
  }
}
