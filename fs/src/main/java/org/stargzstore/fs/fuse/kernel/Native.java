package org.stargzstore.fs.fuse.kernel;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls a session taking over a connection needs beyond {@link LibC}: {@code poll(2)}
 * (a descriptor of an aborted connection reports POLLERR) and {@code dup(2)} (a keeper keeps its
 * own copy). Separate from {@link LibC} so the descriptor keepers' calls can grow there.
 */
public interface Native {
  short POLLIN = 0x1;
  short POLLERR = 0x8;
  short POLLHUP = 0x10;
  short POLLNVAL = 0x20;

  @SaveError
  int poll(Pointer fds, long nfds, int timeoutMillis);

  @SaveError
  int dup(int fd);

  @SaveError
  int close(int fd);

  /** The loaded library (once per JVM). */
  static Native get() {
    return Holder.NATIVE;
  }

  /** Lazily loads libc. */
  final class Holder {
    static final Native NATIVE = LibraryLoader.create(Native.class).load("c");

    private Holder() {}
  }
}
