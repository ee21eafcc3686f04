package org.stargzstore.fs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.OtherUser;
import org.stargzstore.types.Digest;

/**
 * The store holds content of images pulled with registry credentials: a user other than the
 * daemon's ({@code nobody}) reads none of it, whether the store is new or was written by a daemon
 * that made 0644 files in 0755 directories. The test directory is opened to everyone, and a
 * control file beside the store proves nobody could read a file there if the store allowed it.
 */
@IntegrationTest
class PrivateStoreTest {
  @TempDir Path tmp;
  Path root;
  Path control;

  @BeforeEach
  void openTestDirectoryToEveryone() throws IOException {
    OtherUser.openToEveryone(tmp);
    root = tmp.resolve("root");
    control = tmp.resolve("control.txt");
    Files.writeString(control, "readable by all", StandardCharsets.UTF_8);
    assertEquals(0, OtherUser.read(control).exitCode(), "nobody must read a 0644 file in " + tmp);
  }

  @Test
  void newContentAndRecordsAre0600In0700Directories() throws Exception {
    StoreLayout layout = new StoreLayout(root);
    ContentStore content = ContentStore.open(layout, false);
    Digest blob = content.putHashing("secret layer bytes".getBytes(StandardCharsets.UTF_8));
    byte[] streamedBytes = "a layer blob written as a stream".getBytes(StandardCharsets.UTF_8);
    Digest streamed = Digest.of(streamedBytes);
    content.putStream(streamed, new java.io.ByteArrayInputStream(streamedBytes), "test");
    Digest layer = Digest.of(new byte[] {7});
    References.load(layout).acquire("registry.example/private/app:1", layer);

    List<Path> files = walk(root);
    assertTrue(files.contains(layout.blob(blob)), files.toString());
    assertTrue(files.contains(layout.blob(streamed)), files.toString());
    assertTrue(files.contains(layout.versionFile()), files.toString());
    for (Path p : files) {
      String want = Files.isDirectory(p) ? "rwx------" : "rw-------";
      assertEquals(want, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)),
          "mode of " + p);
    }
    ExternalTools.Result r = OtherUser.read(layout.blob(blob));
    assertNotEquals(0, r.exitCode(), "nobody read " + layout.blob(blob) + ": " + r.output());
    assertTrue(r.output().contains("Permission denied"), r.output());
  }

  @Test
  void anExistingOpenStoreIsClosedAtOpenAndStillServed() throws Exception {
    List<Digest> blobs = FormatOneStore.write(root, 3, 42);
    Path oldBlob = root.resolve("blobs/sha256/" + blobs.get(0).hex());
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
    assertEquals(0, OtherUser.read(oldBlob).exitCode(), "the old store must start readable");

    StoreLayout layout = new StoreLayout(root);
    ContentStore content = ContentStore.open(layout, false);

    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
    Path migrated = layout.blob(blobs.get(0));
    assertEquals("rwx------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(migrated.getParent())), "a shard made by the migration");
    for (Path p : List.of(migrated, root.resolve("VERSION"), root.resolve("meta/layers"))) {
      ExternalTools.Result r = OtherUser.read(p);
      assertNotEquals(0, r.exitCode(), "nobody read " + p + ": " + r.output());
    }
    assertArrayEquals(Files.readAllBytes(migrated), content.readAll(blobs.get(0)));
  }

  @Test
  void aRootWhoseModeCannotBeChangedIsRefusedWithTheReason() {
    // the kernel refuses any chmod in /proc, even root's: a stand-in for a root the daemon's
    // user does not own
    Path self = Path.of("/proc/self");
    IOException e = assertThrows(IOException.class, () -> PrivateFiles.restrictDirectory(self));
    assertTrue(e.getMessage().startsWith("cannot make " + self + " private (rwx------, it is "
        + "r-xr-xr-x)"), e.getMessage());
    assertTrue(e.getMessage().contains("the daemon's user must own its root"), e.getMessage());
  }

  private static List<Path> walk(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.toList();
    }
  }
}
