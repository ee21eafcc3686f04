package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A {@link DescriptorKeeper} inside this JVM: keeps its own {@code dup} of each kept descriptor
 * and hands out another dup, as systemd's descriptor store keeps its copy. For a daemon stopped
 * and started again inside one JVM (tests, an embedding program); it cannot outlive the JVM.
 */
public final class InProcessKeeper implements DescriptorKeeper, AutoCloseable {
  private final Map<Path, Integer> kept = new HashMap<>();

  @Override
  public synchronized OptionalInt reclaim(Path mountpoint) throws IOException {
    Integer fd = kept.get(mountpoint);
    return fd == null ? OptionalInt.empty() : OptionalInt.of(dup(fd));
  }

  @Override
  public synchronized void keep(Path mountpoint, int fd) throws IOException {
    keepOwned(mountpoint, dup(fd));
  }

  /** Keeps {@code fd} itself (already this keeper's copy). */
  public synchronized void keepOwned(Path mountpoint, int fd) {
    Integer old = kept.put(mountpoint, fd);
    if (old != null) {
      LibC.get().close(old);
    }
  }

  private static int dup(int fd) throws IOException {
    int copy = LibC.get().dup(fd);
    if (copy < 0) {
      throw new IOException("dup(" + fd + ") failed");
    }
    return copy;
  }

  /** Closes the copies: a connection nobody else holds ends (aborted). */
  @Override
  public synchronized void close() {
    kept.values().forEach(fd -> LibC.get().close(fd));
    kept.clear();
  }
}
