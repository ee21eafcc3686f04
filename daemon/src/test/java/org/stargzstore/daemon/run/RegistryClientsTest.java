package org.stargzstore.daemon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.config.DaemonConfig;
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
}
