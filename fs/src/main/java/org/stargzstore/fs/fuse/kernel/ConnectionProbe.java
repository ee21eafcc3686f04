package org.stargzstore.fs.fuse.kernel;

import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Tells whether a {@code /dev/fuse} descriptor is still a live connection without reading from
 * it: the device's poll answers POLLERR once the connection was aborted (its last server died
 * with no keeper, {@code umount -f}, or {@code /sys/fs/fuse/connections/N/abort}).
 */
final class ConnectionProbe {
  private ConnectionProbe() {}

  /** Empty if {@code fd} is a live connection, else why not. */
  static Optional<String> whyDead(int fd) {
    LibC n = LibC.get();
    Pointer p = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(n), 8);
    p.putInt(0, fd);
    p.putShort(4, LibC.POLLIN);
    p.putShort(6, (short) 0);
    int rc = n.poll(p, 1, 0);
    if (rc < 0) {
      return Optional.of("poll(2) of descriptor " + fd + " failed: errno "
          + jnr.ffi.Runtime.getRuntime(n).getLastError());
    }
    short revents = p.getShort(6);
    if ((revents & LibC.POLLNVAL) != 0) {
      return Optional.of("descriptor " + fd + " is not open");
    }
    if ((revents & (LibC.POLLERR | LibC.POLLHUP)) != 0) {
      return Optional.of("descriptor " + fd + " is no live FUSE connection (aborted, "
          + "or never mounted)");
    }
    return Optional.empty();
  }
}
