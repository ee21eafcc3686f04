package org.stargzstore.daemon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.LogRecords;

/**
 * The registry client's warm-up takes every request of a first pull (through the real client
 * and its loopback registry) and leaves nothing behind.
 */
class RegistryWarmupTest {
  @TempDir Path tmp;

  @Test
  void takesTheRequestsOfAFirstPullAndLeavesNothing() throws Exception {
    Logger wire = Logger.getLogger("org.stargzstore.registry.http.wire");
    Level before = wire.getLevel();
    LogRecords records = new LogRecords();
    wire.setLevel(Level.FINE);
    wire.addHandler(records);
    try {
      assertTrue(RegistryWarmup.run(tmp), "the warm-up ran through");
    } finally {
      wire.removeHandler(records);
      wire.setLevel(before);
    }
    List<String> lines = records.lines();
    String all = String.join("\n", lines);
    // the first request (the manifest) settles the insecure host's scheme: no /v2/ ping
    for (String expected : List.of("/manifests/1 -> 200",
        "/referrers/sha256:", "-> 404")) {
      assertTrue(all.contains(expected), expected + " in\n" + all);
    }
    long ranges = lines.stream().filter(l -> l.contains("/blobs/sha256:")
        && l.contains("(bytes=") && l.contains("-> 206")).count();
    assertTrue(ranges >= 3, "config, the TOC's tail and a chunk as range reads:\n" + all);
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of(), left.toList(), "no file left in tmp/");
    }
  }
}
