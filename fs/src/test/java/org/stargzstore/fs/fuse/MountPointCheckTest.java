package org.stargzstore.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fuse.MountPointCheck.Finding;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;

/**
 * A mount point that is already a mount is taken over only from a stale mount of our own: a live
 * one (another daemon) and a foreign file system are refused and left as they are. Real kernel
 * mounts; the stale case needs a killed process, see the daemon's SystemdLifecycleTest.
 */
@IntegrationTest
class MountPointCheckTest {
  @TempDir Path tmp;

  @Test
  void parsesMountinfoLines() {
    assertEquals(Optional.of(new MountEntry("/var/lib/srs/my store", "fuse.stargz",
            "stargz-registry-storage")),
        MountEntry.parse("612 29 0:57 / /var/lib/srs/my\\040store rw,nosuid,relatime shared:330 "
            + "- fuse.stargz stargz-registry-storage rw,user_id=0,group_id=0,allow_other"));
    assertEquals(Optional.of(new MountEntry("/tmp", "tmpfs", "tmpfs")),
        MountEntry.parse("30 1 0:26 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=100k"));
    assertEquals(Optional.empty(), MountEntry.parse("garbage"));
  }

  @Test
  void knowsOurFileSystemByTheOptionsWeMountWith() {
    String opts = String.join(" ", MountOptions.defaults().fuseArgs());
    assertTrue(opts.contains("fsname=" + MountEntry.FSNAME), opts);
    assertTrue(opts.contains("subtype=" + MountEntry.SUBTYPE), opts);
    assertTrue(new MountEntry("/m", "fuse.stargz", MountEntry.FSNAME).isStargzStore());
    assertTrue(new MountEntry("/m", "fuse", MountEntry.FSNAME).isStargzStore());
    assertFalse(new MountEntry("/m", "fuse.sshfs", "me@host:/").isStargzStore());
    assertFalse(new MountEntry("/m", "tmpfs", "tmpfs").isStargzStore());
  }

  @Test
  void refusesTheLiveMountOfAnotherDaemonAndLeavesItServing() throws IOException {
    Path mnt = tmp.resolve("mnt");
    MemoryNodes.Dir root = new MemoryNodes.Dir(1);
    root.add("hello", new MemoryNodes.File(2, 3, 0644, 1, i -> 'x'));
    try (FuseMount first = FuseMount.mount(root, mnt, MountOptions.defaults())) {
      MountPointCheck.Result r = MountPointCheck.inspect(mnt);
      assertEquals(Finding.LIVE, r.finding());
      assertTrue(r.mount().orElseThrow().isStargzStore(), r.toString());

      IOException e = assertThrows(IOException.class,
          () -> FuseMount.mount(new MemoryNodes.Dir(1), mnt, MountOptions.defaults()));
      assertTrue(e.getMessage().startsWith(mnt + " is served by a running stargz-registry-storage"),
          e.getMessage());
      assertEquals(Finding.LIVE, MountPointCheck.unmountIfStale(mnt).finding());
      try (Stream<Path> s = Files.list(mnt)) {
        assertEquals(List.of("hello"), s.map(p -> p.getFileName().toString()).toList());
      }
      assertEquals("xxx", Files.readString(mnt.resolve("hello")));
    }
    assertEquals(Finding.FREE, MountPointCheck.inspect(mnt).finding());
  }

  @Test
  void refusesAForeignFileSystem() throws IOException {
    Path mnt = Files.createDirectories(tmp.resolve("tmpfs"));
    ExternalTools.Result m = ExternalTools.run(
        List.of("mount", "-t", "tmpfs", "-o", "size=1m", "srs-test-tmpfs", mnt.toString()), 30);
    assertEquals(0, m.exitCode(), m.output());
    try {
      Files.writeString(mnt.resolve("keep"), "mine");
      IOException e = assertThrows(IOException.class,
          () -> FuseMount.mount(new MemoryNodes.Dir(1), mnt, MountOptions.defaults()));
      assertTrue(e.getMessage().contains("another file system (tmpfs (srs-test-tmpfs)"),
          e.getMessage());
      assertEquals(Finding.FOREIGN, MountPointCheck.unmountIfStale(mnt).finding());
      assertEquals("mine", Files.readString(mnt.resolve("keep")));
    } finally {
      ExternalTools.run(List.of("umount", mnt.toString()), 30);
    }
  }
}
