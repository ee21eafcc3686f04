package org.stargzstore.daemon.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.stargzstore.fs.store.PrivateFiles;

/**
 * One daemon per store root: two daemons sharing a root would each believe they own the
 * references and the garbage collector. The lock dies with the process, so a killed daemon never
 * leaves a stale lock behind. The holder writes its pid into the lock file, so the refusal can
 * say which process to stop.
 */
public final class RootLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private RootLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static RootLock acquire(Path root) throws IOException {
    PrivateFiles.createDirectories(root);
    Path lockFile = root.resolve("lock");
    FileChannel ch = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE,
        StandardOpenOption.WRITE), PrivateFiles.file());
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      ch.close();
      throw new IOException("another stargz-registry-storage" + holder(lockFile) + " is using "
          + root + " (its lock file is held); stop it first or use another --root");
    }
    // the holder's pid, for the message above (the lock itself is what counts)
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
        .getBytes(StandardCharsets.US_ASCII)), 0);
    return new RootLock(ch, l);
  }

  /** " (pid N)" from the lock file, or nothing if it does not hold a pid. */
  private static String holder(Path lockFile) {
    try {
      String pid = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
      return pid.matches("[0-9]{1,10}") ? " (pid " + pid + ")" : "";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
