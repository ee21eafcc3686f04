package org.stargzstore.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;

/**
 * Mounts an in-memory tree through the real kernel FUSE and checks what syscalls see, once per
 * backend: both must serve the same tree the same way.
 */
@IntegrationTest
@ParameterizedClass
@EnumSource(MountOptions.Backend.class)
class FuseBindingMountTest {
  @TempDir static Path tmp;
  static FuseMount mount;
  static Path mnt;
  static MemoryNodes.Dir root;
  static final long BIG = (8 << 20) + 12345;
  @Parameter MountOptions.Backend backend;

  @BeforeParameterizedClassInvocation
  static void mountTree(MountOptions.Backend backend) throws IOException {
    root = new MemoryNodes.Dir(1);
    MemoryNodes.Dir sub = new MemoryNodes.Dir(2);
    sub.xattrs.put("trusted.overlay.opaque", new byte[] {'y'});
    sub.xattrs.put("user.overlay.opaque", new byte[] {'y'});
    sub.xattrs.put("user.comment", "hello xattr".getBytes(StandardCharsets.UTF_8));
    MemoryNodes.File shared = new MemoryNodes.File(3, 5, 04755, 2, i -> 'a' + i);
    root.add("sub", sub)
        .add("h\u00e9llo-\u4e16\u754c-\uD83D\uDE00.txt", new MemoryNodes.File(4, 3, 0644, 1, i -> 'x'))
        .add("big", new MemoryNodes.File(5, BIG, 0644, 1, i -> (i * 31 + (i >> 13)) & 0xff))
        .add("link", new MemoryNodes.Special(
            new Stat(6, 0120777, 1, 0, 0, 9, MemoryNodes.MTIME, 0, 0), "../target"))
        .add("null", new MemoryNodes.Special(
            new Stat(7, 0020666, 1, 0, 0, 0, MemoryNodes.MTIME, 1, 3), null))
        .add("whiteout", new MemoryNodes.Special(
            new Stat(8, 0020000, 1, 0, 0, 0, MemoryNodes.MTIME, 0, 0), null))
        .add("fifo", new MemoryNodes.Special(
            new Stat(9, 0010644, 1, 0, 0, 0, MemoryNodes.MTIME, 0, 0), null));
    sub.add("setuid", shared).add("hardlink", shared);
    mnt = tmp.resolve("mnt");
    mount = FuseMount.mount(root, mnt, MountOptions.defaults().withBackend(backend));
  }

  @AfterParameterizedClassInvocation
  static void unmount() throws IOException {
    if (mount != null) {
      mount.close();
      mount = null;
      assertFalse(FuseMount.isMounted(mnt));
    }
  }

  @Test
  void listsNamesIncludingUnicode() throws IOException {
    try (Stream<Path> s = Files.list(mnt)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(List.of("big", "fifo", "h\u00e9llo-\u4e16\u754c-\uD83D\uDE00.txt", "link",
          "null", "sub", "whiteout"), names);
    }
    assertEquals("xxx", Files.readString(mnt.resolve("h\u00e9llo-\u4e16\u754c-\uD83D\uDE00.txt")));
  }

  @Test
  void reportsModesOwnersTimesAndSetuid() throws IOException {
    Map<String, Object> a = Files.readAttributes(mnt.resolve("sub/setuid"), "unix:*");
    assertEquals(0100000 | 04755, a.get("mode"));
    assertEquals(1000, a.get("uid"));
    assertEquals(1001, a.get("gid"));
    assertEquals(5L, a.get("size"));
    assertEquals(1_700_000_000_123L,
        ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toMillis());
    assertEquals("abcde", Files.readString(mnt.resolve("sub/setuid")));
  }

  @Test
  void hardlinksShareTheInodeNumber() throws IOException {
    Map<String, Object> a = Files.readAttributes(mnt.resolve("sub/setuid"), "unix:ino,nlink");
    Map<String, Object> b = Files.readAttributes(mnt.resolve("sub/hardlink"), "unix:ino,nlink");
    assertEquals(a.get("ino"), b.get("ino"));
    assertEquals(2, a.get("nlink"));
  }

  @Test
  void readdirGivesInodeNumbersAndTypes() throws IOException {
    // d_ino and d_type come with the names, so walkers need no lookup per entry; Java cannot see
    // d_ino, Python's scandir can (it reports what readdir returned, without a stat)
    Path python = ExternalTools.which("python3");
    assumeTrue(python != null, "python3 is needed to see d_ino");
    ExternalTools.Result r = ExternalTools.run(List.of(python.toString(), "-c",
        "import os, sys\n"
            + "for e in sorted(os.scandir(sys.argv[1]), key=lambda e: e.name):\n"
            + "    print(e.name, e.inode())", mnt.toString()), 30).requireSuccess();
    assertEquals("big 5\nfifo 9\nh\u00e9llo-\u4e16\u754c-\uD83D\uDE00.txt 4\nlink 6\nnull 7\n"
        + "sub 2\nwhiteout 8\n", r.output());
  }

  @Test
  void devicesFifosAndSymlinks() throws IOException {
    Map<String, Object> dev = Files.readAttributes(mnt.resolve("null"), "unix:mode,rdev",
        LinkOption.NOFOLLOW_LINKS);
    assertEquals(0020666, dev.get("mode"));
    assertEquals((1L << 8) | 3, dev.get("rdev"));
    Map<String, Object> wh = Files.readAttributes(mnt.resolve("whiteout"), "unix:mode,rdev",
        LinkOption.NOFOLLOW_LINKS);
    assertEquals(0020000, wh.get("mode"));
    assertEquals(0L, wh.get("rdev"));
    assertTrue(Files.readAttributes(mnt.resolve("fifo"), java.nio.file.attribute.BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS).isOther());
    assertEquals("../target", Files.readSymbolicLink(mnt.resolve("link")).toString());
  }

  @Test
  void extendedAttributesIncludingTrusted() throws IOException {
    ExternalTools.Result r = ExternalTools.run(
        List.of("getfattr", "-d", "-m", "-", "--absolute-names", mnt.resolve("sub").toString()), 30)
        .requireSuccess();
    assertTrue(r.output().contains("trusted.overlay.opaque=\"y\""), r.output());
    assertTrue(r.output().contains("user.comment=\"hello xattr\""), r.output());
    // root (rootful overlay) is not shown the rootless marker: overlay would not hide it
    assertFalse(r.output().contains("user.overlay.opaque"), r.output());
    ExternalTools.Result get = ExternalTools.run(List.of("getfattr", "-n", "user.overlay.opaque",
        "--absolute-names", mnt.resolve("sub").toString()), 30);
    assertNotEquals(0, get.exitCode(), get.output());
  }

  @Test
  void largeReadsReturnExactBytes() throws Exception {
    MessageDigest want = MessageDigest.getInstance("SHA-256");
    for (long i = 0; i < BIG; i++) {
      want.update((byte) ((i * 31 + (i >> 13)) & 0xff));
    }
    MessageDigest got = MessageDigest.getInstance("SHA-256");
    got.update(Files.readAllBytes(mnt.resolve("big")));
    assertEquals(HexFormat.of().formatHex(want.digest()), HexFormat.of().formatHex(got.digest()));
    // a read that straddles the end returns the tail only
    try (var ch = Files.newByteChannel(mnt.resolve("big"))) {
      ch.position(BIG - 10);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(100);
      assertEquals(10, ch.read(b));
    }
  }

  @Test
  void isReadOnly() {
    for (String cmd : List.of("mkdir sub/d", "touch sub/setuid", "chmod 600 big", "ln big big2",
        "ln -s x sym", "rm big", "mv big big3", "setfattr -n user.x -v 1 big")) {
      List<String> argv = new java.util.ArrayList<>(List.of("sh", "-c", "cd " + mnt + " && " + cmd));
      ExternalTools.Result r;
      try {
        r = ExternalTools.run(argv, 30);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      assertTrue(r.exitCode() != 0 && r.output().contains("Read-only"), cmd + ": " + r.output());
    }
    FileSystemException e = assertThrows(FileSystemException.class,
        () -> Files.writeString(mnt.resolve("big"), "x"));
    assertTrue(e.getMessage().contains("Read-only"), e.getMessage());
    assertThrows(FileSystemException.class,
        () -> Files.newOutputStream(mnt.resolve("big"), StandardOpenOption.APPEND).close());
  }

  @Test
  void createAndRmdirReachTheNodeAndAnswerEnoent() throws IOException {
    // the ALS "use" protocol: O_CREAT must reach the node, which answers ENOENT
    assertThrows(NoSuchFileException.class, () -> Files.newByteChannel(mnt.resolve("use"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
        StandardOpenOption.TRUNCATE_EXISTING).close());
    assertTrue(root.created.contains("use"), root.created.toString());
    assertThrows(NoSuchFileException.class, () -> Files.delete(mnt.resolve("sub")));
    assertTrue(root.removed.contains("sub"), root.removed.toString());
  }

  @Test
  void missingNamesAreEnoent() {
    assertThrows(NoSuchFileException.class, () -> Files.readAttributes(mnt.resolve("nope"),
        "unix:mode"));
    assertThrows(NoSuchFileException.class, () -> Files.readAttributes(mnt.resolve("sub/nope/x"),
        "unix:mode"));
  }

}
