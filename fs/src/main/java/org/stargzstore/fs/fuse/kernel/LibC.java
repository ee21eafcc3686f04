package org.stargzstore.fs.fuse.kernel;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc calls the kernel FUSE backend makes: Java has no API for {@code /dev/fuse}
 * (a character device read and written one request at a time), for {@code mount(2)}, nor for
 * {@code poll(2)} / {@code dup(2)} on a raw descriptor (a takeover probes a kept connection,
 * which reports POLLERR once aborted, and a keeper keeps its own copy). The descriptor keepers'
 * socket calls are {@code handover.SocketCalls}.
 */
public interface LibC {
  int O_RDWR = 2;
  int O_CLOEXEC = 0x80000;
  short POLLIN = 0x1;
  short POLLERR = 0x8;
  short POLLHUP = 0x10;
  short POLLNVAL = 0x20;

  @SaveError
  int open(String path, int flags);

  @SaveError
  int close(int fd);

  @SaveError
  @ssize_t long read(int fd, Pointer buf, @size_t long count);

  @SaveError
  @ssize_t long write(int fd, Pointer buf, @size_t long count);

  @SaveError
  int mount(String source, String target, String type, long flags, String data);

  @SaveError
  int poll(Pointer fds, long nfds, int timeoutMillis);

  @SaveError
  int dup(int fd);

  int geteuid();

  int getegid();

  /** The last errno of a call on this thread (for {@link SaveError} calls). */
  default int errno() {
    return jnr.ffi.Runtime.getRuntime(this).getLastError();
  }

  /** The loaded library (once per JVM). */
  static LibC get() {
    return Holder.LIBC;
  }

  /** Lazily loads libc. */
  final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private Holder() {}
  }
}
