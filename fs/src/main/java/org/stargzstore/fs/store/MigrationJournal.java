package org.stargzstore.fs.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

/**
 * Where a running migration records how far it got ({@code migration.journal}, written
 * atomically), so a migration killed at any point resumes where it stopped.
 */
final class MigrationJournal {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The phases of a migration, in order. */
  enum Phase { COPYING, COMMITTED }

  private final StoreLayout layout;
  private int from = -1;
  private Phase phase;

  private MigrationJournal(StoreLayout layout) {
    this.layout = layout;
  }

  static MigrationJournal open(StoreLayout layout) throws IOException {
    MigrationJournal j = new MigrationJournal(layout);
    try {
      JsonNode n = JSON.readTree(Files.readAllBytes(layout.migrationJournal()));
      j.from = n.path("from").asInt();
      j.phase = Phase.valueOf(n.path("phase").asText());
    } catch (NoSuchFileException e) {
      // no migration under way
    } catch (IllegalArgumentException e) {
      throw new IOException(layout.migrationJournal() + " is damaged: " + e.getMessage());
    }
    return j;
  }

  boolean pending() {
    return phase != null;
  }

  int from() {
    return from;
  }

  Phase phase() {
    return phase;
  }

  void record(int fromVersion, Phase p) throws IOException {
    PrivateFiles.createDirectories(layout.tmpDir());
    AtomicFiles.write(layout.tmpDir(), layout.migrationJournal(), JSON.writeValueAsBytes(
        JSON.createObjectNode().put("from", fromVersion).put("to", fromVersion + 1)
            .put("phase", p.name())), true);
    from = fromVersion;
    phase = p;
  }

  void finish() throws IOException {
    Files.deleteIfExists(layout.migrationJournal());
    phase = null;
    from = -1;
  }
}
