package org.stargzstore.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The project's own tools in {@code tools/} keep the contracts the tests rely on: refgen makes
 * the stargz fixtures again byte for byte (so the fixtures' provenance holds and refgen is the
 * reference implementation), its verifier refuses a wrong TOC digest, tar-tree is deterministic
 * and sorted, push-image pushes what it reports, and the runc wrapper strips rlimits.
 */
@IntegrationTest
class ProjectToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().build();

  @TempDir
  Path dir;

  @ParameterizedTest
  @CsvSource({"gzip, edge.estargz", "zstd, edge.zstd-stargz"})
  void refgenMakesTheStargzFixturesAgainByteForByte(String kind, String fixture)
      throws IOException {
    Path blob = dir.resolve(fixture + ".blob");
    String out = ExternalTools.run(List.of(ExternalTools.refgen().toString(), "build", kind,
        Shared.fixture("edge.tar").toString(), blob.toString(), "-chunk", "65536",
        "-prio", "etc/hostname,bin/rand-4096"), 300).requireSuccess().output();
    JsonNode built = JSON.readTree(out);
    JsonNode descriptor = JSON.readTree(Shared.fixture(fixture + ".json").toFile());
    assertEquals(descriptor.get("digest").asText(), sha256(blob), "blob digest");
    assertEquals(descriptor.get("size").asLong(), built.get("size").asLong());
    assertEquals(descriptor.get("tocDigest").asText(), built.get("tocDigest").asText());
    assertEquals(descriptor.get("diffID").asText(), built.get("diffID").asText());
  }

  @Test
  void refgenVerifyAcceptsTheFixtureAndRefusesAnotherTocDigest() throws IOException {
    Path blob = Shared.fixture("edge.estargz.blob");
    String toc = JSON.readTree(Shared.fixture("edge.estargz.json").toFile())
        .get("tocDigest").asText();
    ExternalTools.Result good = ExternalTools.run(List.of(ExternalTools.refgen().toString(),
        "verify", "gzip", blob.toString(), toc), 300);
    assertEquals(0, good.exitCode(), good.output());
    assertTrue(good.output().startsWith("verified "), good.output());
    String wrong = toc.substring(0, toc.length() - 1) + (toc.endsWith("0") ? "1" : "0");
    ExternalTools.Result bad = ExternalTools.run(List.of(ExternalTools.refgen().toString(),
        "verify", "gzip", blob.toString(), wrong), 300);
    assertEquals(1, bad.exitCode(), bad.output());
    assertTrue(bad.output().contains("TOC does not match " + wrong), bad.output());
  }

  @Test
  void tarTreeWritesEachDirectorySortedAndTheSameTarTwice() throws IOException {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.writeString(root.resolve("b"), "b\n");
    Files.createDirectories(root.resolve("a/z"));
    Files.writeString(root.resolve("a/y"), "y\n");
    Files.createSymbolicLink(root.resolve("c"), Path.of("b"));
    Path first = TarCorpus.tree(dir.resolve("1.tar"), root);
    Path second = TarCorpus.tree(dir.resolve("2.tar"), root);
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream t = new TarArchiveInputStream(Files.newInputStream(first))) {
      for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
        names.add(e.getName() + (e.isSymbolicLink() ? " -> " + e.getLinkName() : ""));
      }
    }
    assertEquals(List.of("./", "a/", "a/y", "a/z/", "b", "c -> b"), names);
    assertEquals(sha256(first), sha256(second), "the same tree gives the same tar");
  }

  @Test
  void pushImagePushesTheManifestAndLayersItReports() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root/etc"));
    Files.writeString(root.resolve("hostname"), "pushed\n");
    Path tar = TarCorpus.tree(dir.resolve("layer.tar"), root.getParent());
    String out = ImagePusher.pushimg(REGISTRY, "tools/push:1", "estargz", List.of(tar),
        "--chunk", "4096");
    List<JsonNode> lines = new ArrayList<>();
    for (String l : out.strip().split("\n")) {
      lines.add(JSON.readTree(l));
    }
    assertEquals(2, lines.size(), out);
    JsonNode layer = lines.get(0);
    assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", layer.get("mediaType").asText());
    assertTrue(layer.get("annotations").has("containerd.io/snapshot/stargz/toc.digest"), out);

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<byte[]> manifest = http.send(HttpRequest.newBuilder(
        URI.create(REGISTRY.baseUri() + "/v2/tools/push/manifests/1"))
        .header("Accept", "application/vnd.oci.image.manifest.v1+json").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, manifest.statusCode());
    assertEquals(lines.get(1).get("manifest").asText(), sha256(manifest.body()));
    JsonNode served = JSON.readTree(manifest.body()).get("layers").get(0);
    assertEquals(layer.get("digest").asText(), served.get("digest").asText());
    HttpResponse<byte[]> blob = http.send(HttpRequest.newBuilder(
        URI.create(REGISTRY.baseUri() + "/v2/tools/push/blobs/" + layer.get("digest").asText()))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(layer.get("digest").asText(), sha256(blob.body()), "the blob it reported");
  }

  @Test
  void runcWrapperDropsRlimitsAndOomScoreThenHandsOverTheSameArguments() throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Files.writeString(bundle.resolve("config.json"), "{\"process\":{\"args\":[\"sh\"],"
        + "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
        + "\"oomScoreAdj\":100},\"root\":{\"path\":\"rootfs\"}}");
    ProcessBuilder pb = new ProcessBuilder(PodmanSandbox.runtime().toString(), "create",
        "--bundle", bundle.toString(), "ctr-1").redirectErrorStream(true);
    pb.environment().put("REAL_RUNC", "/bin/echo");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, p.waitFor(), out);
    assertEquals("create --bundle " + bundle + " ctr-1", out, "the real runtime's arguments");
    JsonNode process = JSON.readTree(bundle.resolve("config.json").toFile()).get("process");
    assertFalse(process.has("rlimits"), process.toString());
    assertFalse(process.has("oomScoreAdj"), process.toString());
    assertEquals("sh", process.get("args").get(0).asText(), "the rest of the spec is kept");
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
