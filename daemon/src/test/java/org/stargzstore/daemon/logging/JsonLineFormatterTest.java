package org.stargzstore.daemon.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JsonLineFormatterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void oneObjectPerLineWithTheFieldsCollectorsIndex() throws IOException {
    LogRecord r = new LogRecord(Level.WARNING, "layer \"a\"\nfailed: {0}");
    r.setParameters(new Object[] {"EIO"});
    r.setLoggerName("org.stargzstore.fs.als.LayerStore");
    r.setInstant(Instant.parse("2026-12-05T08:00:00.123Z"));
    r.setThrown(new IllegalStateException("boom"));

    String line = new JsonLineFormatter().format(r);

    assertTrue(line.endsWith("\n"));
    assertFalse(line.substring(0, line.length() - 1).contains("\n"), line);
    JsonNode n = JSON.readTree(line);
    assertEquals("2026-12-05T08:00:00.123Z", n.path("time").asText());
    assertEquals("WARN", n.path("level").asText());
    assertEquals("org.stargzstore.fs.als.LayerStore", n.path("logger").asText());
    assertEquals("layer \"a\"\nfailed: EIO", n.path("message").asText());
    assertTrue(n.path("thrown").asText().startsWith("java.lang.IllegalStateException: boom"),
        n.toString());
  }

  @Test
  void noThrownFieldWithoutAnException() throws IOException {
    LogRecord r = new LogRecord(Level.FINE, "detail");
    JsonNode n = JSON.readTree(new JsonLineFormatter().format(r));
    assertEquals("DEBUG", n.path("level").asText());
    assertEquals("", n.path("logger").asText());
    assertFalse(n.has("thrown"));
  }
}
