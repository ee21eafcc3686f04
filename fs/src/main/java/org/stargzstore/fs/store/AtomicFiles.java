package org.stargzstore.fs.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whole-file writes that a reader never sees half done: write a temp file in the store's
 * {@code tmp/} (same file system), optionally fsync it, rename it over the target. After a crash
 * the target is either the old or the new file, and leftovers in {@code tmp/} are deleted at start.
 * Files are created 0600 ({@link PrivateFiles}).
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Atomically replaces {@code target} with {@code data[off, off+len)}. */
  public static void write(Path tmpDir, Path target, byte[] data, int off, int len, boolean fsync)
      throws IOException {
    Path tmp = tmpDir.resolve(target.getFileName() + "." + Long.toHexString(
        ThreadLocalRandom.current().nextLong()) + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PrivateFiles.file())) {
        ByteBuffer buf = ByteBuffer.wrap(data, off, len);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (fsync) {
          ch.force(true);
        }
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the store's tmp/ and " + target.getParent()
            + " are not on one file system", e);
      }
      if (fsync) {
        fsyncDirectory(target.getParent());
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void write(Path tmpDir, Path target, byte[] data, boolean fsync)
      throws IOException {
    write(tmpDir, target, data, 0, data.length, fsync);
  }

  /** Makes a rename in {@code dir} durable. */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
