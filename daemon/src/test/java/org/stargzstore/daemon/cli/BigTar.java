package org.stargzstore.daemon.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A large layer tar for memory tests, made quickly by Commons Compress: a few big files of
 * text-like data (different in every mebibyte) and many small ones.
 */
final class BigTar {
  private BigTar() {}

  /** Writes at least {@code size} bytes of tar to {@code out}; returns its length. */
  static long write(Path out, long size) throws IOException {
    byte[] block = textBlock(1 << 20);
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20);
        TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (int i = 0; i < 2000; i++) {
        byte[] small = ("small file " + i + "\n").repeat(1 + i % 50)
            .getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry("small/" + (i % 20) + "/f" + i);
        e.setSize(small.length);
        t.putArchiveEntry(e);
        t.write(small);
        t.closeArchiveEntry();
      }
      long big = (size >> 2) + (1 << 20);
      long blockIndex = 0;
      for (int f = 0; f < 4; f++) {
        TarArchiveEntry e = new TarArchiveEntry("big/file" + f);
        e.setSize(big);
        t.putArchiveEntry(e);
        for (long done = 0; done < big; ) {
          int n = (int) Math.min(block.length, big - done);
          byte[] id = String.format("%016x", blockIndex++).getBytes(StandardCharsets.US_ASCII);
          System.arraycopy(id, 0, block, 0, id.length);
          t.write(block, 0, n);
          done += n;
        }
        t.closeArchiveEntry();
      }
      t.finish();
    }
    return Files.size(out);
  }

  private static byte[] textBlock(int size) {
    String[] words = {"layer", "chunk", "lazy", "pull", "registry", "podman", "zstd", "gzip",
        "container", "storage", "fuse", "range", "request", "digest", "manifest", "the", "a"};
    Random r = new Random(42);
    StringBuilder sb = new StringBuilder(size + 64);
    while (sb.length() < size) {
      sb.append(words[r.nextInt(words.length)]).append(r.nextInt(10) == 0 ? '\n' : ' ');
      if (r.nextInt(7) == 0) {
        sb.append(r.nextInt(100_000));
      }
    }
    return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
  }
}
