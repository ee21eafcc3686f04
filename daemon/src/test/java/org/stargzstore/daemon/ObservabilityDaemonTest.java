package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.cli.Main;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;

/**
 * What an operator of the daemon sees, with the real daemon process, registry and FUSE mount:
 * the Prometheus endpoint's counters move when a container reads a layer, the JSON log is one
 * JSON object per line and starts with the version, and the daemon's internal warm-up image
 * shows nowhere (mount root, {@code store du}, {@code status}, metrics, logs).
 */
@IntegrationTest
class ObservabilityDaemonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WARMUP = "warmup.invalid";
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir Path tmp;

  @Test
  void operatorSeesMetricsJsonLogsAndVersionButNoWarmupImage() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "observe/edge", "1");
    Path registries = tmp.resolve("registries.conf");
    Files.writeString(registries, "[[registry]]\nlocation = \"" + REGISTRY.hostPort()
        + "\"\ninsecure = true\n");
    int metricsPort = RegistryServer.freePort();
    Path root = tmp.resolve("root");
    Path config = tmp.resolve("config.toml");
    Files.writeString(config, "[store]\nroot = \"" + root + "\"\nfsync = false\n"
        + "[fetch]\nprefetch = false\nprefetch_entrypoint = false\nbackground = false\n"
        + "[registry]\nregistries_conf = \"" + registries + "\"\n"
        + "[metrics]\naddress = \"127.0.0.1:" + metricsPort + "\"\n"
        + "[log]\nformat = \"json\"\n");
    Path mnt = tmp.resolve("mnt");
    Path log = tmp.resolve("daemon.log");
    String reference = REGISTRY.hostPort() + "/observe/edge:1";
    try (DaemonProcess daemon = DaemonProcess.start(config, mnt, log,
        root.resolve("control.sock"))) {
      assertEquals(List.of(), list(mnt), "a fresh daemon's mount root lists no image");
      Path diff = mnt.resolve(ImageDirectoryName.encode(reference)).resolve(layer)
          .resolve("diff");
      assertArrayEquals(EdgeImage.member("bin/rand-4096"),
          Files.readAllBytes(diff.resolve("bin/rand-4096")));
      assertEquals(List.of(ImageDirectoryName.encode(reference)), list(mnt),
          "the mount root lists the user's image only");

      String metrics = scrape(metricsPort);
      System.out.println(metrics);
      assertTrue(value(metrics, "stargz_registry_storage_fetched_bytes_total{reason=\"demand\"}")
          > 0, metrics);
      assertTrue(value(metrics, "stargz_registry_storage_fetch_requests_total") > 0, metrics);
      assertTrue(value(metrics, "stargz_registry_storage_reads_waited_total") > 0, metrics);
      assertEquals(0, value(metrics, "stargz_registry_storage_verify_failures_total"), metrics);
      assertEquals(0, value(metrics, "stargz_registry_storage_fetch_errors_total"), metrics);
      assertEquals(0, value(metrics,
          "stargz_registry_storage_fallbacks_total{reason=\"registry-error\"}"), metrics);
      assertEquals(1, value(metrics, "stargz_registry_storage_images"), metrics);
      assertEquals(1, value(metrics, "stargz_registry_storage_layers_served"), metrics);
      assertTrue(value(metrics, "stargz_registry_storage_store_bytes") > 0, metrics);
      assertTrue(value(metrics, "stargz_registry_storage_store_files") > 0, metrics);
      assertTrue(value(metrics, "jvm_memory_used_bytes{area=\"heap\"}") > 0, metrics);
      assertEquals(1, value(metrics, "stargz_registry_storage_build_info{version=\""
          + BuildVersion.get() + "\"}"), metrics);
      double before = value(metrics,
          "stargz_registry_storage_fetched_bytes_total{reason=\"demand\"}");
      Files.readAllBytes(diff.resolve("bin/rand-1048576"));
      assertTrue(value(scrape(metricsPort),
          "stargz_registry_storage_fetched_bytes_total{reason=\"demand\"}") > before,
          "another cold read moves the counter");

      JsonNode status = ControlServer.call(root.resolve("control.sock"),
          JSON.createObjectNode().put("op", "status"));
      assertEquals(1, status.path("images").size(), status.toString());
      JsonNode served = status.path("images").get(0).path("layers").get(0);
      assertTrue(served.path("lazy").asBoolean() && served.has("fetchErrors"), served.toString());
      assertEquals(0, served.path("verifyFailures").asLong(), served.toString());
      assertEquals(0, served.path("fetchErrors").asLong(), served.toString());
      JsonNode du = storeDu(config);
      assertEquals(List.of(reference), texts(du.path("images"), "reference"), du.toString());
      assertEquals(List.of(layer), texts(du.path("layers"), "digest"), du.toString());
    }
    JsonNode offlineDu = storeDu(config);
    assertEquals(List.of(reference), texts(offlineDu.path("images"), "reference"),
        offlineDu.toString());
    assertEquals(List.of(layer), texts(offlineDu.path("layers"), "digest"),
        offlineDu.toString());

    System.out.println(Files.readString(log));
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      JsonNode r = JSON.readTree(line);
      assertTrue(r.isObject() && r.has("time") && r.has("level") && r.has("logger")
          && r.has("message"), "not a JSON log record: " + line);
      records.add(r);
    }
    String first = records.get(0).path("message").asText();
    assertTrue(first.startsWith("stargz-registry-storage " + BuildVersion.get() + " starting"),
        first);
    assertNotEquals("unknown", BuildVersion.get());
    assertTrue(records.stream().anyMatch(r -> r.path("message").asText()
        .startsWith("serving metrics at http://127.0.0.1:" + metricsPort + "/metrics")));
    assertFalse(records.stream().anyMatch(r -> !r.path("level").asText().equals("DEBUG")
            && r.path("message").asText().contains(WARMUP)),
        "the warm-up image is not announced above DEBUG:\n" + Files.readString(log));
    assertTrue(records.stream().anyMatch(r -> r.path("message").asText().contains(reference)),
        "the user's image is");
  }

  @Test
  void versionOptionPrintsTheProjectVersion() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), "--version");
    assertEquals(0, code);
    String v = out.toString(StandardCharsets.UTF_8).trim();
    assertTrue(v.matches("stargz-registry-storage \\d+\\.\\d+\\.\\d+\\S*"), v);
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static JsonNode storeDu(Path config) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        "--config", config.toString(), "store", "du", "--json");
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    return JSON.readTree(out.toByteArray());
  }

  private static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.path(field).asText()));
    return out;
  }

  private static String scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  /** The value of the sample {@code series} (name and labels as exposed) in {@code text}. */
  private static double value(String text, String series) {
    return text.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim().split(" ")[0]))
        .orElseThrow(() -> new AssertionError("no sample " + series + " in:\n" + text));
  }
}
