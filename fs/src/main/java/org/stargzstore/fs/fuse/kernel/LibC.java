package org.stargzstore.fs.fuse.kernel;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc calls the kernel FUSE backend makes: Java has no API for {@code /dev/fuse}
 * (a character device read and written one request at a time) nor for {@code mount(2)}.
 */
public interface LibC {
  int O_RDWR = 2;
  int O_CLOEXEC = 0x80000;

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
