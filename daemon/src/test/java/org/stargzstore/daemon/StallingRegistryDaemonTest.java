package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.cli.Main;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;

/**
 * The daemon as configured by a user, in front of a registry that stops answering on a
 * kept-alive connection: with {@code read_timeout = "4s"} (so the client gives up on a silent
 * connection after 0.5 s) a read through the mount fails with EIO within twice the read timeout
 * (the kernel's read-ahead and the read itself, see docs/configuration.md) plus a margin for a
 * loaded machine, the daemon's log says which registry and blob stalled and for how long,
 * {@code status} counts the failed range request, and once the registry answers again the file
 * reads right.
 */
@IntegrationTest
class StallingRegistryDaemonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long READ_TIMEOUT_MS = 4_000;
  private static final long MARGIN_MS = 8_000;
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir Path tmp;

  @Test
  void stalledRegistryGivesEioWithinTheConfiguredReadTimeout() throws Exception {
    String layer = EdgeImage.push(REGISTRY.baseUri(), "stall/edge", "1");
    try (FaultProxy proxy = FaultProxy.start(REGISTRY.baseUri())) {
      Path registries = tmp.resolve("registries.conf");
      Files.writeString(registries, "[[registry]]\nlocation = \"" + proxy.hostPort()
          + "\"\ninsecure = true\n");
      Path root = tmp.resolve("root");
      Path config = tmp.resolve("config.toml");
      Files.writeString(config, "[store]\nroot = \"" + root + "\"\nfsync = false\n"
          + "[fetch]\nprefetch = false\nprefetch_entrypoint = false\nbackground = false\n"
          + "read_timeout = \"" + READ_TIMEOUT_MS / 1000 + "s\"\n"
          + "[registry]\nregistries_conf = \"" + registries + "\"\n");
      Path mnt = tmp.resolve("mnt");
      Path log = tmp.resolve("daemon.log");
      try (DaemonProcess daemon = DaemonProcess.start(config, mnt, log,
          root.resolve("control.sock"))) {
        Path diff = mnt.resolve(ImageDirectoryName.encode(proxy.hostPort() + "/stall/edge:1"))
            .resolve(layer).resolve("diff");
        assertArrayEquals(EdgeImage.member("bin/rand-4096"),
            Files.readAllBytes(diff.resolve("bin/rand-4096")), "served over keep-alive first");
        proxy.inject(FaultProxy.Request::isBlobGet, FaultProxy.stall(), -1);
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class,
            () -> Files.readAllBytes(diff.resolve("bin/rand-1048576")));
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("EIO through the daemon after " + ms + " ms (read_timeout "
            + READ_TIMEOUT_MS + " ms)");
        assertTrue(e.getMessage().contains("Input/output error"), e.toString());
        assertTrue(ms <= 2 * READ_TIMEOUT_MS + MARGIN_MS, "a stalled read took " + ms + " ms");
        String text = Files.readString(log);
        assertTrue(text.lines().anyMatch(l -> l.contains("registry " + proxy.hostPort()
                + " stalled") && l.contains(layer)
                && l.matches(".*no data for \\d+\\.\\d s.*")),
            "the log names the registry, the blob and how long it was silent:\n" + text);
        Path socket = root.resolve("control.sock");
        assertTrue(fetchErrorsWithin(socket, MARGIN_MS) >= 1,
            "status counts the failed request: " + status(socket));
        String shown = statusText(config);
        assertTrue(shown.lines().anyMatch(l -> l.matches(
                " +failed: 0 chunks did not match the TOC digest \\(never served\\), [1-9]\\d*"
                + " range requests failed \\(network, registry\\)")),
            "status names the failed requests:\n" + shown);
        proxy.clearFaults();
        assertArrayEquals(EdgeImage.member("bin/rand-1048576"),
            readWithin(diff.resolve("bin/rand-1048576"), READ_TIMEOUT_MS + MARGIN_MS));
      }
    }
  }

  private static JsonNode status(Path socket) throws IOException {
    return ControlServer.call(socket, JSON.createObjectNode().put("op", "status"));
  }

  /** The layers' {@code fetchErrors} summed, once non-zero or after {@code ms}. */
  private static long fetchErrorsWithin(Path socket, long ms) throws Exception {
    long until = System.nanoTime() + ms * 1_000_000;
    while (true) {
      long sum = 0;
      for (JsonNode img : status(socket).path("images")) {
        for (JsonNode l : img.path("layers")) {
          sum += l.path("fetchErrors").asLong();
        }
      }
      if (sum > 0 || System.nanoTime() > until) {
        return sum;
      }
      Thread.sleep(100);
    }
  }

  /** What {@code stargz-registry-storage status} prints for a user. */
  private static String statusText(Path config) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        "--config", config.toString(), "status");
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Reads {@code file}, trying again while a read fails, for at most {@code ms}. */
  private static byte[] readWithin(Path file, long ms) throws Exception {
    long until = System.nanoTime() + ms * 1_000_000;
    while (true) {
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        if (System.nanoTime() > until) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
