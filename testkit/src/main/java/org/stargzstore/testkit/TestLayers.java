package org.stargzstore.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Small real images for end-to-end tests: a busybox base layer (the machine's static busybox,
 * so containers can run a shell) and a data layer with a large file that a test can leave
 * unread to show laziness.
 */
public final class TestLayers {
  /** busybox applets the base layer links. */
  public static final List<String> APPLETS = List.of("sh", "cat", "echo", "ls", "wc",
      "sha256sum", "head", "true", "stat", "find");

  private TestLayers() {}

  /** The static busybox binary (Debian package busybox-static). */
  public static Path busyboxBinary() {
    for (String p : List.of("/bin/busybox", "/usr/bin/busybox")) {
      if (Files.isExecutable(Path.of(p))) {
        return Path.of(p);
      }
    }
    throw new IllegalStateException("busybox not found: apt-get install busybox-static");
  }

  /** A base layer: /bin/busybox, applet symlinks, /etc/hostname, /etc/removed-later. */
  public static Path busyboxLayer(Path out) throws IOException {
    try (TarArchiveOutputStream t = open(out)) {
      writeBusybox(t);
      file(t, "etc/removed-later", "you should not see me\n".getBytes(StandardCharsets.UTF_8), 0644);
    }
    return out;
  }

  /**
   * A second layer: /data/hello.txt, /data/big.bin ({@code bigMiB} of random bytes, seeded),
   * and a whiteout of /etc/removed-later.
   */
  public static Path dataLayer(Path out, int bigMiB) throws IOException {
    try (TarArchiveOutputStream t = open(out)) {
      writeData(t, bigMiB);
      dir(t, "etc/");
      file(t, "etc/.wh.removed-later", new byte[0], 0644);
    }
    return out;
  }

  /**
   * Cuts {@code tar} right after its end-of-archive marker (two zero blocks), dropping the record
   * padding that GNU tar, Python's tarfile and Commons Compress add (to 10240 bytes): the layer
   * then looks like what Go's archive/tar writes (docker, BuildKit, podman, buildah layers).
   * podman 4.3's zstd:chunked compressor drops that padding, so a padded layer pushed by it no
   * longer decompresses to the DiffID its config states (podman 5 refuses such an image).
   */
  public static Path withoutRecordPadding(Path tar) throws IOException {
    long end;
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tar,
        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(512);
      long pos = 0;
      while (true) {
        block.clear();
        if (ch.read(block, pos) != 512) {
          throw new IOException(tar + ": no end-of-archive marker before byte " + pos);
        }
        if (isZero(block.array())) {
          end = pos + 1024;
          break;
        }
        String size = new String(block.array(), 124, 12, StandardCharsets.US_ASCII)
            .replace("\0", " ").trim();
        long n = size.isEmpty() ? 0 : Long.parseLong(size, 8);
        pos += 512 + (n + 511) / 512 * 512;
      }
      if (end > ch.size()) {
        throw new IOException(tar + ": truncated end-of-archive marker");
      }
      ch.truncate(end);
    }
    return tar;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  /** The base and data layers flattened into one rootfs tar (for {@code podman import}). */
  public static Path flatRootfs(Path out, int bigMiB) throws IOException {
    try (TarArchiveOutputStream t = open(out)) {
      writeBusybox(t);
      writeData(t, bigMiB);
    }
    return out;
  }

  private static void writeBusybox(TarArchiveOutputStream t) throws IOException {
    dir(t, "bin/");
    file(t, "bin/busybox", Files.readAllBytes(busyboxBinary()), 0755);
    for (String a : APPLETS) {
      TarArchiveEntry e = new TarArchiveEntry("bin/" + a, TarArchiveEntry.LF_SYMLINK);
      e.setLinkName("busybox");
      e.setMode(0777);
      e.setModTime(1_700_000_000_000L);
      t.putArchiveEntry(e);
      t.closeArchiveEntry();
    }
    dir(t, "etc/");
    file(t, "etc/hostname", "lazy-test\n".getBytes(StandardCharsets.UTF_8), 0644);
    dir(t, "tmp/");
  }

  private static void writeData(TarArchiveOutputStream t, int bigMiB) throws IOException {
    dir(t, "data/");
    file(t, "data/hello.txt", "hello from a lazily pulled layer\n".getBytes(StandardCharsets.UTF_8),
        0644);
    byte[] big = new byte[bigMiB << 20];
    new Random(42).nextBytes(big);
    file(t, "data/big.bin", big, 0644);
  }

  private static TarArchiveOutputStream open(Path out) throws IOException {
    OutputStream os = Files.newOutputStream(out);
    TarArchiveOutputStream t = new TarArchiveOutputStream(os);
    t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    return t;
  }

  private static void dir(TarArchiveOutputStream t, String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(040755);
    e.setModTime(1_700_000_000_000L);
    t.putArchiveEntry(e);
    t.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream t, String name, byte[] data, int mode)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100000 | mode);
    e.setSize(data.length);
    e.setModTime(1_700_000_000_000L);
    t.putArchiveEntry(e);
    t.write(data);
    t.closeArchiveEntry();
  }
}
