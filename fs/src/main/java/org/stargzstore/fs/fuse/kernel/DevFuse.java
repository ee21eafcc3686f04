package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import jnr.ffi.Pointer;

/**
 * An open {@code /dev/fuse} descriptor: one FUSE connection. Each {@code read} takes exactly one
 * request, each {@code write} sends exactly one reply. Kept as a plain descriptor number so a
 * later step can hand it to systemd's fd store and take it back (docs/fuse.md).
 */
final class DevFuse implements AutoCloseable {
  static final String PATH = "/dev/fuse";

  private final LibC libc;
  private final int fd;
  private volatile boolean closed;

  private DevFuse(LibC libc, int fd) {
    this.libc = libc;
    this.fd = fd;
  }

  static DevFuse open(LibC libc) throws IOException {
    int fd = libc.open(PATH, LibC.O_RDWR | LibC.O_CLOEXEC);
    if (fd < 0) {
      int errno = libc.errno();
      throw new IOException("cannot open " + PATH + ": errno " + errno
          + (errno == Errno.ENOENT ? " (no FUSE device: is the fuse module loaded?)" : ""));
    }
    return new DevFuse(libc, fd);
  }

  /** A descriptor opened by someone else (an earlier daemon, kept for this one). */
  static DevFuse adopt(LibC libc, int fd) {
    return new DevFuse(libc, fd);
  }

  int fd() {
    return fd;
  }

  /** Reads one request; returns its length, or {@code -errno}. */
  int read(Pointer buf, int size) {
    long n = libc.read(fd, buf, size);
    return n < 0 ? -libc.errno() : (int) n;
  }

  /** Writes one reply; returns 0 or {@code -errno}. */
  int write(Pointer buf, int len) {
    long n = libc.write(fd, buf, len);
    return n < 0 ? -libc.errno() : 0;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      libc.close(fd);
    }
  }
}
