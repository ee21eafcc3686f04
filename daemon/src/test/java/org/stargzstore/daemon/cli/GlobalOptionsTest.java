package org.stargzstore.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global options ({@code --root}, {@code --config}, {@code --log-level},
 * {@code --log-format}) work after the command as well as before it, and a {@code --root} that
 * cannot be a store says so in words instead of printing a bare path.
 */
class GlobalOptionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new Run(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void rootWorksBeforeAndAfterTheCommand() throws IOException {
    Path store = Files.createDirectory(tmp.resolve("store"));
    Path config = Files.writeString(tmp.resolve("config.toml"), "[store]\nfsync = false\n");
    Run before = run("--config", config.toString(), "--root", store.toString(), "store", "du",
        "--json");
    Run after = run("store", "du", "--json", "--root", store.toString(), "--config",
        config.toString(), "--log-level", "warn", "--log-format", "json");
    Run nested = run("store", "--root", store.toString(), "du", "--json");
    assertEquals(0, before.code(), before.err());
    assertEquals(0, after.code(), after.err());
    assertEquals(0, nested.code(), nested.err());
    assertEquals(JSON.readTree(before.out()), JSON.readTree(after.out()));
    assertEquals(JSON.readTree(before.out()), JSON.readTree(nested.out()));
  }

  @Test
  void configAfterTheCommandIsRead() throws IOException {
    Path config = Files.writeString(tmp.resolve("config.toml"), "[stroe]\n");
    Run r = run("status", "--config", config.toString());
    assertEquals(1, r.code());
    assertEquals("error: config file " + config + ", line 1: unknown section [stroe] (known:"
        + " daemon, fetch, fuse, log, metrics, profiles, registry, store)\n", r.err());
  }

  @Test
  void aRegularFileAsRootIsExplained() throws IOException {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    String expected = "error: --root " + file + " is a regular file; it must be a directory"
        + " (the daemon's store)\n";
    Run after = run("status", "--root", file.toString());
    assertEquals(1, after.code());
    assertEquals(expected, after.err());
    Run before = run("--root", file.toString(), "store", "gc");
    assertEquals(expected, before.err());
    Run daemon = run("--root", file.toString(), tmp.resolve("mnt").toString());
    assertEquals(1, daemon.code());
    assertEquals(expected, daemon.err());
  }

  @Test
  void aRegularFileAsConfiguredRootIsExplained() throws IOException {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    Path config = Files.writeString(tmp.resolve("config.toml"),
        "[store]\nroot = \"" + file + "\"\n");
    Run r = run("store", "du", "--config", config.toString());
    assertEquals("error: [store] root " + file + " (in " + config + ") is a regular file; it must"
        + " be a directory (the daemon's store)\n", r.err());
  }

  @Test
  void aRootWhoseParentIsAFileIsExplained() throws IOException {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    Path root = file.resolve("store");
    Run r = run("--root", root.toString(), tmp.resolve("mnt").toString());
    assertEquals(1, r.code());
    assertEquals("error: --root " + root + " cannot be a directory: " + file + " is a regular"
        + " file\n", r.err());
  }

  @Test
  void aRootThatCannotBeCreatedIsExplained() throws IOException {
    assumeFalse("root".equals(System.getProperty("user.name")), "root may write anywhere");
    Path locked = Files.createDirectory(tmp.resolve("locked"));
    Path root = locked.resolve("a/store");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
    try {
      Run r = run("--root", root.toString(), tmp.resolve("mnt").toString());
      assertEquals(1, r.code());
      assertEquals("error: cannot create the store " + root + ": no write permission in " + locked
          + " (run as a user who may, or choose another --root)\n", r.err());
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
    }
  }
}
