package org.stargzstore.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.logging.LogFormat;

/** The {@code [metrics]} and {@code [log]} keys: off and text by default, typos named. */
class ObservabilityConfigTest {
  @TempDir Path tmp;

  @Test
  void metricsAreOffAndLogsTextByDefault() {
    DaemonConfig c = DaemonConfig.defaults();
    assertNull(c.metricsAddress());
    assertEquals(LogFormat.TEXT, c.logFormat());
  }

  @Test
  void readsMetricsAddressAndLogFormat() throws IOException {
    DaemonConfig c = load("[metrics]\naddress = \"[::1]:9464\"\n[log]\nformat = \"JSON\"\n");
    assertEquals(new ListenAddress("::1", 9464), c.metricsAddress());
    assertEquals("[::1]:9464", c.metricsAddress().toString());
    assertEquals(LogFormat.JSON, c.logFormat());
  }

  @Test
  void aPortAloneBindsLoopback() throws IOException {
    assertEquals(new ListenAddress("127.0.0.1", 9464),
        load("[metrics]\naddress = \"9464\"\n").metricsAddress());
    assertEquals(new ListenAddress("127.0.0.1", 9464),
        load("[metrics]\naddress = \":9464\"\n").metricsAddress());
    assertEquals(new ListenAddress("0.0.0.0", 9464),
        load("[metrics]\naddress = \"0.0.0.0:9464\"\n").metricsAddress());
  }

  @Test
  void badValuesNameTheKey() {
    IOException port = assertThrows(IOException.class,
        () -> load("[metrics]\naddress = \"127.0.0.1:http\"\n"));
    assertTrue(port.getMessage().contains("[metrics] address"), port.getMessage());
    IOException noPort = assertThrows(IOException.class,
        () -> load("[metrics]\naddress = \"localhost\"\n"));
    assertTrue(noPort.getMessage().contains("HOST:PORT"), noPort.getMessage());
    IOException format = assertThrows(IOException.class,
        () -> load("[log]\nformat = \"xml\"\n"));
    assertTrue(format.getMessage().contains("[log] format")
        && format.getMessage().contains("text or json"), format.getMessage());
  }

  private DaemonConfig load(String toml) throws IOException {
    Path f = tmp.resolve("config.toml");
    Files.writeString(f, toml);
    return DaemonConfig.load(f, true);
  }
}
