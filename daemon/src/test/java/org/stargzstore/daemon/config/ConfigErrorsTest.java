package org.stargzstore.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator reads when config.toml is wrong: the file, the line (and column when the TOML
 * parser knows it), the key, what was expected and what was found. Nothing is silently
 * truncated or reinterpreted: a float for an integer key is refused, and {@code GB} is SI.
 */
class ConfigErrorsTest {
  @TempDir Path tmp;

  @Test
  void aSyntaxErrorNamesFileLineAndColumn() {
    Path f = write("[store]\nfsync = true\nmax_bytes = = 3\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals(true, e.getMessage().startsWith("config file " + f + ", line 3, column "),
        e.getMessage());
    assertEquals(true, e.getMessage().contains("not valid TOML"), e.getMessage());
  }

  @Test
  void aFloatForAnIntegerKeyIsRefusedNotTruncated() {
    Path f = write("# tuning\n[fetch]\nprefetch = true\nmax_demand_requests = 3.7\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals("config file " + f + ", line 4: [fetch] max_demand_requests: expected a positive"
        + " integer, found 3.7 (a float)", e.getMessage());
  }

  @Test
  void aFloatForASizeIsRefused() {
    Path f = write("[store]\nmax_bytes = 2.5\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals("config file " + f + ", line 2: [store] max_bytes: expected a size (bytes as an"
        + " integer, or a string such as \"512MiB\"), found 2.5 (a float)", e.getMessage());
  }

  @Test
  void sizesAreBinaryWithIAndSiWithoutIt() throws IOException {
    assertEquals(20L << 30, load("[store]\nmax_bytes = \"20GiB\"\n").cacheMaxBytes());
    assertEquals(20L << 30, load("[store]\nmax_bytes = \"20 GiB\"\n").cacheMaxBytes());
    assertEquals(20L << 30, load("[store]\nmax_bytes = \"20G\"\n").cacheMaxBytes());
    assertEquals(512L << 20, load("[fetch]\nmemory_cache = \"512MiB\"\n").memoryCacheBytes());
    assertEquals(20_000_000_000L, load("[store]\nmax_bytes = \"20GB\"\n").cacheMaxBytes());
    assertEquals(64_000L, load("[fetch]\nread_ahead = \"64kB\"\n").readAheadBytes());
    assertEquals(4096L, load("[fetch]\nread_ahead = 4096\n").readAheadBytes());
  }

  @Test
  void aFractionalSizeStringNamesTheKeyAndTheUnits() {
    Path f = write("[store]\n\nmax_bytes = \"1.5GiB\"\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals("config file " + f + ", line 3: [store] max_bytes: expected a size in bytes,"
        + " found '1.5GiB' (examples: 4096, 512KiB, 20GiB; KiB/MiB/GiB are powers of 1024,"
        + " kB/MB/GB of 1000; whole numbers only)", e.getMessage());
  }

  @Test
  void wrongTypesSayWhatWasExpectedAndFound() {
    Path f = write("[fuse]\nallow_other = \"yes\"\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals("config file " + f + ", line 2: [fuse] allow_other: expected true or false,"
        + " found \"yes\" (a string)", e.getMessage());
    Path g = write("[store]\ngc_interval = 300\n");
    IOException d = assertThrows(IOException.class, () -> DaemonConfig.load(g, true));
    assertEquals("config file " + g + ", line 2: [store] gc_interval: expected a duration string"
        + " such as \"30s\" or \"10m\", found 300 (an integer)", d.getMessage());
  }

  @Test
  void anUnknownFuseBackendIsRefusedWithTheKnownOnes() throws IOException {
    Path f = write("[fuse]\nbackend = \"kernal\"\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals(true, e.getMessage().contains("[fuse] backend: unknown FUSE backend 'kernal'"
        + " (known: \"libfuse\", \"kernel\")"), e.getMessage());
    assertEquals(org.stargzstore.fs.fuse.MountOptions.Backend.LIBFUSE,
        DaemonConfig.load(write("[fuse]\nbackend = \"libfuse\"\n"), true).fuseBackend());
    assertEquals(org.stargzstore.fs.fuse.MountOptions.Backend.KERNEL,
        DaemonConfig.defaults().fuseBackend());
  }

  @Test
  void thePrefixBesideTheTocIsOnWithPrefetchAndBoundedByItsSize() throws IOException {
    assertEquals(64L << 20, DaemonConfig.defaults().fetchPolicy().prefixWithTocBytes());
    assertEquals(1L << 20, DaemonConfig.load(write("[fetch]\nprefix_with_toc = \"1MiB\"\n"),
        true).fetchPolicy().prefixWithTocBytes());
    assertEquals(0L, DaemonConfig.load(write("[fetch]\nprefix_with_toc = \"0B\"\n"), true)
        .fetchPolicy().prefixWithTocBytes());
    assertEquals(0L, DaemonConfig.load(write("[fetch]\nprefetch = false\n"), true)
        .fetchPolicy().prefixWithTocBytes(), "nothing is prefetched, so no prefix either");
  }

  @Test
  void takeoverIsOptInWithTheKernelBackendAndRefusedWithLibfuse() throws IOException {
    assertEquals(false, DaemonConfig.defaults().fuseTakeover());
    assertEquals(false, DaemonConfig.load(write("[fuse]\nbackend = \"kernel\"\n"), true)
        .fuseTakeover());
    assertEquals(true, DaemonConfig.load(write("[fuse]\ntakeover = true\n"), true)
        .fuseTakeover());
    Path f = write("[fuse]\nbackend = \"libfuse\"\ntakeover = true\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals(true, e.getMessage().contains("[fuse] takeover = true needs backend = "
        + "\"kernel\""), e.getMessage());
  }

  @Test
  void unknownKeysAndSectionsNameTheirLine() {
    Path f = write("[store]\nroot = \"/x\"\nmax_byte = \"1GiB\"\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals(true, e.getMessage().startsWith("config file " + f + ", line 3: unknown key"
        + " 'max_byte' in [store]"), e.getMessage());
    Path g = write("[store]\nfsync = true\n\n[stroe]\nroot = \"/x\"\n");
    IOException s = assertThrows(IOException.class, () -> DaemonConfig.load(g, true));
    assertEquals(true, s.getMessage().startsWith("config file " + g + ", line 4: unknown section"
        + " [stroe]"), s.getMessage());
  }

  @Test
  void dottedKeysAndCommentedHeadersAreFoundToo() {
    Path f = write("# [fetch] commented out\nstore.fsync = true\nstore.max_bytes = 2.5 # no\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertEquals(true, e.getMessage().startsWith("config file " + f + ", line 3: [store]"
        + " max_bytes: expected a size"), e.getMessage());
  }

  @Test
  void aDirectoryAsConfigFileIsNamed() {
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(tmp, true));
    assertEquals("cannot read config file " + tmp + ": it is a directory", e.getMessage());
  }

  private DaemonConfig load(String toml) throws IOException {
    return DaemonConfig.load(write(toml), true);
  }

  private Path write(String toml) {
    try {
      Path f = Files.createTempFile(tmp, "config", ".toml");
      Files.writeString(f, toml);
      return f;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
