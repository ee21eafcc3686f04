package org.stargzstore.daemon.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [daemon] registry_warmup}: on by default, off when asked, a typo named. */
class StartupConfigTest {
  @TempDir Path tmp;

  @Test
  void registryWarmupIsOnByDefault() throws IOException {
    assertTrue(DaemonConfig.defaults().registryWarmup());
    assertTrue(load("[daemon]\ncontrol_socket = \"/tmp/x.sock\"\n").registryWarmup());
  }

  @Test
  void registryWarmupCanBeTurnedOff() throws IOException {
    DaemonConfig c = load("[daemon]\nregistry_warmup = false\n");
    assertFalse(c.registryWarmup());
    assertFalse(c.withRoot(tmp).registryWarmup());
  }

  @Test
  void aNonBooleanIsRefusedWithTheKey() {
    IOException e = assertThrows(IOException.class,
        () -> load("[daemon]\nregistry_warmup = \"no\"\n"));
    assertTrue(e.getMessage().contains("registry_warmup"), e.getMessage());
  }

  private DaemonConfig load(String toml) throws IOException {
    Path f = tmp.resolve("config.toml");
    Files.writeString(f, toml);
    return DaemonConfig.load(f, true);
  }
}
