package org.stargzstore.daemon.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import jnr.constants.platform.AddressFamily;
import jnr.constants.platform.Errno;
import jnr.constants.platform.Sock;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import org.stargzstore.fs.fuse.kernel.handover.UnixAddress;

/**
 * A unix datagram socket, which the JDK does not offer (its unix sockets are streams only) and
 * systemd's {@code NOTIFY_SOCKET} is. Calls libc through jnr-ffi, which the FUSE binding already
 * brings. An address starting with {@code @} is in the abstract namespace, as in systemd.
 */
public final class UnixDatagramSocket implements AutoCloseable {
  private static final int MSG_DONTWAIT = 0x40;
  private static final int MSG_NOSIGNAL = 0x4000;

  /** The libc calls a datagram socket needs. */
  public interface LibC {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] addr, int addrlen);

    @SaveError
    long sendto(int fd, @In byte[] buf, long len, int flags, @In byte[] addr, int addrlen);

    @SaveError
    long recv(int fd, @Out byte[] buf, long len, int flags);

    int close(int fd);

    String strerror(int errno);
  }

  private static volatile LibC libc;
  private final int fd;
  private boolean closed;

  private UnixDatagramSocket(int fd) {
    this.fd = fd;
  }

  /** An unbound socket, for sending. */
  public static UnixDatagramSocket open() throws IOException {
    LibC c = libc();
    int fd = c.socket(AddressFamily.AF_UNIX.intValue(), Sock.SOCK_DGRAM.intValue(), 0);
    if (fd < 0) {
      throw error("cannot create a unix datagram socket");
    }
    return new UnixDatagramSocket(fd);
  }

  /**
   * A socket bound to {@code address}, for receiving. A test seam: the daemon only sends; tests
   * bind one to play systemd's end of {@code NOTIFY_SOCKET}.
   */
  public static UnixDatagramSocket bind(String address) throws IOException {
    UnixDatagramSocket s = open();
    byte[] addr = sockaddr(address);
    if (libc().bind(s.fd, addr, addr.length) != 0) {
      IOException e = error("cannot bind a unix datagram socket to " + address);
      s.close();
      throw e;
    }
    return s;
  }

  /** Sends {@code message} as one datagram to the socket at {@code address}. */
  public void send(String address, String message) throws IOException {
    byte[] addr = sockaddr(address);
    byte[] buf = message.getBytes(StandardCharsets.UTF_8);
    long n = libc().sendto(fd, buf, buf.length, MSG_NOSIGNAL, addr, addr.length);
    if (n != buf.length) {
      throw error("cannot send to unix datagram socket " + address);
    }
  }

  /**
   * The next datagram, or empty if none arrives within {@code timeout}. A test seam, as {@link
   * #bind}: the daemon never receives.
   */
  public Optional<String> receive(Duration timeout) throws IOException {
    byte[] buf = new byte[4096];
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      long n = libc().recv(fd, buf, buf.length, MSG_DONTWAIT);
      if (n >= 0) {
        return Optional.of(new String(buf, 0, (int) n, StandardCharsets.UTF_8));
      }
      int errno = lastError();
      if (errno != Errno.EAGAIN.intValue() && errno != Errno.EWOULDBLOCK.intValue()
          && errno != Errno.EINTR.intValue()) {
        throw error("cannot receive from a unix datagram socket");
      }
      if (Instant.now().isAfter(deadline)) {
        return Optional.empty();
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
  }

  /** {@code struct sockaddr_un} for {@code address} ({@code @name}: abstract, no trailing NUL). */
  static byte[] sockaddr(String address) {
    return UnixAddress.of(address);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      libc().close(fd);
    }
  }

  private static IOException error(String what) {
    int errno = lastError();
    return new IOException(what + ": " + libc().strerror(errno) + " (errno " + errno + ")");
  }

  private static int lastError() {
    return jnr.ffi.Runtime.getRuntime(libc()).getLastError();
  }

  private static LibC libc() {
    LibC c = libc;
    if (c == null) {
      c = LibraryLoader.create(LibC.class).load("c");
      libc = c;
    }
    return c;
  }
}
