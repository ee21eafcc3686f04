package org.stargzstore.daemon.run;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.stargzstore.fs.store.PrivateFiles;

/**
 * One daemon per store root: two daemons sharing a root would each believe they own the
 * references and the garbage collector. The lock dies with the process, so a killed daemon never
 * leaves a stale lock behind.
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
    FileChannel ch = FileChannel.open(root.resolve("lock"), Set.of(StandardOpenOption.CREATE,
        StandardOpenOption.WRITE), PrivateFiles.file());
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      ch.close();
      throw new IOException("another stargz-registry-storage is using " + root
          + " (its lock file is held); stop it first or use another --root");
    }
    return new RootLock(ch, l);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
