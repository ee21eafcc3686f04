package org.stargzstore.daemon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.io.IOException;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.registry.RangeIgnoredByMirror;
import org.stargzstore.registry.RegistryClientConfig;

/** The registry client's patience follows {@code read_timeout} as docs/configuration.md says. */
class RegistryClientsTest {

  @Test
  void stallTimeoutIsAnEighthOfTheReadTimeoutWithinItsBounds() {
    Duration cap = Duration.ofSeconds(60);
    assertEquals(Duration.ofSeconds(15), RegistryClients.stallTimeout(Duration.ofMinutes(2), cap));
    assertEquals(Duration.ofMillis(500), RegistryClients.stallTimeout(Duration.ofSeconds(4), cap));
    assertEquals(cap, RegistryClients.stallTimeout(Duration.ofHours(1), cap));
    assertEquals(Duration.ofMillis(100),
        RegistryClients.stallTimeout(Duration.ofMillis(10), cap));
  }

  @Test
  void theDaemonsClientGetsIdleAndConnectTimeoutsFromReadTimeout(@TempDir Path tmp)
      throws Exception {
    Path file = tmp.resolve("config.toml");
    Files.writeString(file, "[fetch]\nread_timeout = \"40s\"\n");
    RegistryClientConfig c = RegistryClients.configure(DaemonConfig.load(file, true)).build();
    assertEquals(Duration.ofSeconds(5), c.readTimeout());
    assertEquals(Duration.ofSeconds(5), c.connectTimeout());
    Files.writeString(file, "[fetch]\nread_timeout = \"1h\"\n");
    c = RegistryClients.configure(DaemonConfig.load(file, true)).build();
    assertEquals(Duration.ofSeconds(60), c.readTimeout(), "never longer than the client default");
    assertEquals(Duration.ofSeconds(30), c.connectTimeout());
  }

  @Test
  void rangeIgnoredByMirrorDefaultsToWaitingForTheCacheAndCanBeSpool(@TempDir Path tmp)
      throws Exception {
    assertEquals(RangeIgnoredByMirror.WAIT_FOR_CACHE,
        RegistryClients.configure(DaemonConfig.defaults()).build().rangeIgnoredByMirror());
    Path file = tmp.resolve("config.toml");
    Files.writeString(file, "[registry]\nrange_ignored_by_mirror = \"spool\"\n");
    assertEquals(RangeIgnoredByMirror.SPOOL, RegistryClients.configure(
        DaemonConfig.load(file, true)).build().rangeIgnoredByMirror());
    Files.writeString(file, "[registry]\nrange_ignored_by_mirror = \"wait\"\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(file, true));
    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains(
        "range_ignored_by_mirror") && e.getMessage().contains("wait-for-cache or spool"),
        e.getMessage());
  }
}
