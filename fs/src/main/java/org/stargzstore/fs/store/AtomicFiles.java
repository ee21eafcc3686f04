package org.stargzstore.fs.store;

import java.io.IOException;
import java.io.InputStream;
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
    Path tmp = tempFor(tmpDir, target);
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
      moveIntoPlace(tmp, target, fsync);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Decides, once the whole stream is in the temp file, whether it may take the target's name. */
  @FunctionalInterface
  public interface BeforeRename {
    /** Throws to discard the temp file (the target is left as it was). */
    void check(long length) throws IOException;
  }

  /**
   * Atomically replaces {@code target} with everything {@code in} yields, streamed through a
   * temp file in 64 KiB pieces (never held in memory), if {@code check} accepts it.
   *
   * @return the bytes written
   */
  public static long write(Path tmpDir, Path target, InputStream in, boolean fsync,
      BeforeRename check) throws IOException {
    Path tmp = tempFor(tmpDir, target);
    try {
      long length = 0;
      try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PrivateFiles.file())) {
        byte[] piece = new byte[64 << 10];
        int n;
        while ((n = in.read(piece)) >= 0) {
          ByteBuffer buf = ByteBuffer.wrap(piece, 0, n);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          length += n;
        }
        check.check(length);
        if (fsync) {
          ch.force(true);
        }
      }
      moveIntoPlace(tmp, target, fsync);
      return length;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Path tempFor(Path tmpDir, Path target) {
    return tmpDir.resolve(target.getFileName() + "." + Long.toHexString(
        ThreadLocalRandom.current().nextLong()) + ".tmp");
  }

  /**
   * Moves {@code written}, a finished file in the store's {@code tmp/} that a caller wrote (and
   * checked) itself, over {@code target}: fsynced first if asked, then renamed as
   * {@link #write} does.
   */
  static void moveWrittenIntoPlace(Path written, Path target, boolean fsync) throws IOException {
    if (fsync) {
      try (FileChannel ch = FileChannel.open(written, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    }
    moveIntoPlace(written, target, fsync);
  }

  private static void moveIntoPlace(Path tmp, Path target, boolean fsync) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the store's tmp/ and " + target.getParent()
          + " are not on one file system", e);
    }
    if (fsync) {
      fsyncDirectory(target.getParent());
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
