package org.stargzstore.fs.fuse.kernel.handover;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls that pass descriptors between processes: the JDK's unix sockets can neither
 * carry a descriptor (SCM_RIGHTS) nor be datagram or seqpacket sockets, nor tell the peer's uid.
 */
public interface SocketCalls {
  int AF_UNIX = 1;
  int SOCK_STREAM = 1;
  int SOCK_DGRAM = 2;
  int SOCK_SEQPACKET = 5;
  int SOCK_CLOEXEC = 0x80000;
  int SOL_SOCKET = 1;
  int SCM_RIGHTS = 1;
  int SO_PEERCRED = 17;
  int MSG_NOSIGNAL = 0x4000;
  int MSG_CMSG_CLOEXEC = 0x40000000;
  int MSG_CTRUNC = 0x8;
  int F_DUPFD_CLOEXEC = 1030;
  int F_SETFD = 2;
  int FD_CLOEXEC = 1;
  int MNT_DETACH = 2;
  int SHUT_RDWR = 2;
  int EINTR = 4;
  int EINVAL = 22;

  @SaveError
  int socket(int domain, int type, int protocol);

  @SaveError
  int socketpair(int domain, int type, int protocol, @Out int[] fds);

  @SaveError
  int bind(int fd, @In byte[] addr, int addrlen);

  @SaveError
  int listen(int fd, int backlog);

  @SaveError
  int accept4(int fd, Pointer addr, Pointer addrlen, int flags);

  @SaveError
  int connect(int fd, @In byte[] addr, int addrlen);

  @SaveError
  int shutdown(int fd, int how);

  @SaveError
  @ssize_t long sendmsg(int fd, Pointer msg, int flags);

  @SaveError
  @ssize_t long recvmsg(int fd, Pointer msg, int flags);

  @SaveError
  int getsockopt(int fd, int level, int name, @Out byte[] value, @In @Out int[] len);

  @SaveError
  int fcntl(int fd, int cmd, int arg);

  @SaveError
  int pipe2(@Out int[] fds, int flags);

  @SaveError
  @ssize_t long read(int fd, @Out byte[] buf, @size_t long count);

  @SaveError
  @ssize_t long write(int fd, @In byte[] buf, @size_t long count);

  @SaveError
  int umount2(String target, int flags);

  @SaveError
  int close(int fd);

  int getuid();

  int geteuid();

  String strerror(int errno);

  /** The last errno of a call on this thread. */
  default int errno() {
    return jnr.ffi.Runtime.getRuntime(this).getLastError();
  }

  /** "what: strerror (errno N)" for the last failed call. */
  default String describeError(String what) {
    int e = errno();
    return what + ": " + strerror(e) + " (errno " + e + ")";
  }

  /** The loaded library (once per JVM). */
  static SocketCalls get() {
    return Holder.CALLS;
  }

  /** Lazily loads libc. */
  final class Holder {
    static final SocketCalls CALLS = LibraryLoader.create(SocketCalls.class).load("c");

    private Holder() {}
  }
}
