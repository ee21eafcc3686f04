package org.stargzstore.fs.fuse.kernel.handover;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Sends and receives one message with a descriptor attached ({@code sendmsg}/{@code recvmsg}
 * with an SCM_RIGHTS control message), the only way one process can give another an open file.
 * The {@code struct msghdr}/{@code cmsghdr} layout is that of 64-bit Linux (x86_64, aarch64).
 */
public final class FdPassing {
  private static final int MSGHDR_SIZE = 56;
  private static final int CMSG_HEADER = 16; // cmsg_len (size_t), cmsg_level, cmsg_type
  private static final int CMSG_SPACE_ONE_FD = 24; // CMSG_SPACE(sizeof(int))
  private static final int CONTROL_RECEIVE = 64; // room for a few fds; extra ones are closed

  private final SocketCalls calls;
  private final Runtime runtime;

  public FdPassing(SocketCalls calls) {
    this.calls = calls;
    this.runtime = Runtime.getRuntime(calls);
  }

  /**
   * Sends {@code message} (and its descriptor, if any) on {@code socket}; to {@code address} if
   * the socket is an unconnected datagram socket ({@link UnixAddress#of}), else {@code null}.
   */
  public void send(int socket, FdMessage message, byte[] address, String what)
      throws IOException {
    byte[] bytes = message.bytes();
    Pointer data = Memory.allocateDirect(runtime, Math.max(1, bytes.length), true);
    data.put(0, bytes, 0, bytes.length);
    Pointer iov = Memory.allocateDirect(runtime, 16, true);
    iov.putAddress(0, data.address());
    iov.putLong(8, bytes.length);
    Pointer msg = Memory.allocateDirect(runtime, MSGHDR_SIZE, true);
    Pointer name = null;
    if (address != null) {
      name = Memory.allocateDirect(runtime, address.length, true);
      name.put(0, address, 0, address.length);
      msg.putAddress(0, name.address());
      msg.putInt(8, address.length);
    }
    msg.putAddress(16, iov.address());
    msg.putLong(24, 1);
    Pointer control = null;
    if (message.fd().isPresent()) {
      control = Memory.allocateDirect(runtime, CMSG_SPACE_ONE_FD, true);
      control.putLong(0, CMSG_HEADER + 4);
      control.putInt(8, SocketCalls.SOL_SOCKET);
      control.putInt(12, SocketCalls.SCM_RIGHTS);
      control.putInt(16, message.fd().getAsInt());
      msg.putAddress(32, control.address());
      msg.putLong(40, CMSG_SPACE_ONE_FD);
    }
    long n;
    do {
      n = calls.sendmsg(socket, msg, SocketCalls.MSG_NOSIGNAL);
    } while (n < 0 && calls.errno() == SocketCalls.EINTR);
    if (n != bytes.length) {
      throw new IOException(n < 0 ? calls.describeError("cannot send to " + what)
          : "cannot send to " + what + ": sent " + n + " of " + bytes.length + " bytes");
    }
    // the native buffers msg points to must outlive the call (they are freed by the GC)
    reachabilityFence(data, iov, control, name);
  }

  /**
   * Receives one message of at most {@code maxBytes} on {@code socket}, blocking; empty at the
   * end of the stream (the peer closed a connected socket).
   */
  public Optional<FdMessage> receive(int socket, int maxBytes, String what) throws IOException {
    Pointer data = Memory.allocateDirect(runtime, maxBytes, true);
    Pointer iov = Memory.allocateDirect(runtime, 16, true);
    iov.putAddress(0, data.address());
    iov.putLong(8, maxBytes);
    Pointer control = Memory.allocateDirect(runtime, CONTROL_RECEIVE, true);
    Pointer msg = Memory.allocateDirect(runtime, MSGHDR_SIZE, true);
    msg.putAddress(16, iov.address());
    msg.putLong(24, 1);
    msg.putAddress(32, control.address());
    msg.putLong(40, CONTROL_RECEIVE);
    long n;
    do {
      n = calls.recvmsg(socket, msg, SocketCalls.MSG_CMSG_CLOEXEC);
    } while (n < 0 && calls.errno() == SocketCalls.EINTR);
    if (n < 0) {
      throw new IOException(calls.describeError("cannot receive from " + what));
    }
    OptionalInt fd = descriptorIn(control, msg.getLong(40));
    if ((msg.getInt(48) & SocketCalls.MSG_CTRUNC) != 0) {
      fd.ifPresent(calls::close);
      throw new IOException("a message from " + what + " carried more descriptors than expected "
          + "(control data truncated); refused");
    }
    if (n == 0 && fd.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes = new byte[(int) n];
    data.get(0, bytes, 0, bytes.length);
    reachabilityFence(iov, msg);
    return Optional.of(new FdMessage(bytes, fd));
  }

  /** The first SCM_RIGHTS descriptor in the control data; any further ones are closed. */
  private OptionalInt descriptorIn(Pointer control, long controlLen) {
    OptionalInt first = OptionalInt.empty();
    long off = 0;
    while (off + CMSG_HEADER <= controlLen) {
      long len = control.getLong(off);
      if (len < CMSG_HEADER) {
        break;
      }
      if (control.getInt(off + 8) == SocketCalls.SOL_SOCKET
          && control.getInt(off + 12) == SocketCalls.SCM_RIGHTS) {
        for (long p = off + CMSG_HEADER; p + 4 <= off + len; p += 4) {
          int fd = control.getInt(p);
          if (first.isEmpty()) {
            first = OptionalInt.of(fd);
          } else {
            calls.close(fd);
          }
        }
      }
      off += (len + 7) & ~7L;
    }
    return first;
  }

  private static void reachabilityFence(Object... keepAlive) {
    java.lang.ref.Reference.reachabilityFence(keepAlive);
  }
}
