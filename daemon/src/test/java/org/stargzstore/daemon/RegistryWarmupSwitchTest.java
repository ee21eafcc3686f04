package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;

/**
 * {@code [daemon] registry_warmup}: the real daemon (FUSE mount and all) runs the registry
 * client's warm-up before it is ready by default, and not at all when it is off.
 */
@IntegrationTest
class RegistryWarmupSwitchTest {
  @TempDir Path tmp;

  @Test
  void theDaemonWarmsTheRegistryClientUpUnlessTurnedOff() throws Exception {
    Path registries = tmp.resolve("registries.conf");
    Files.writeString(registries, "unqualified-search-registries = []\n");
    List<String> on = warmupLog("on", registries, "");
    assertTrue(on.stream().anyMatch(l -> l.contains("registry client warmed up")),
        "the default daemon warmed the client up: " + on);
    List<String> off = warmupLog("off", registries, "[daemon]\nregistry_warmup = false\n");
    assertEquals(List.of(), off, "no warm-up when it is turned off");
  }

  /** What the warm-up logged while a daemon with {@code extra} config started and stopped. */
  private List<String> warmupLog(String name, Path registries, String extra) throws Exception {
    Logger warmup = Logger.getLogger("org.stargzstore.daemon.run.RegistryWarmup");
    Level before = warmup.getLevel();
    LogRecords records = new LogRecords();
    warmup.setLevel(Level.FINE);
    warmup.addHandler(records);
    Files.createDirectories(tmp.resolve(name + "-mnt"));
    try (InJvmDaemon daemon = InJvmDaemon.start(tmp.resolve(name), tmp.resolve(name + "-mnt"),
        registries, extra)) {
      return records.lines();
    } finally {
      warmup.removeHandler(records);
      warmup.setLevel(before);
    }
  }
}
