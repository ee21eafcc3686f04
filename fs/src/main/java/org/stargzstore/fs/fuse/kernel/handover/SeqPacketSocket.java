package org.stargzstore.fs.fuse.kernel.handover;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A unix {@code SOCK_SEQPACKET} socket: connected like a stream (the peer's end shows as end of
 * stream, which is how the holder learns that a daemon died), with message boundaries like
 * datagrams, and descriptors attached to messages.
 */
public final class SeqPacketSocket implements AutoCloseable {
  /** Largest message either side sends (a mount point path and a word or two). */
  public static final int MAX_MESSAGE = 8192;

  private final SocketCalls calls;
  private final FdPassing passing;
  private final int fd;
  private final String name;
  private boolean closed;

  private SeqPacketSocket(SocketCalls calls, int fd, String name) {
    this.calls = calls;
    this.passing = new FdPassing(calls);
    this.fd = fd;
    this.name = name;
  }

  /** Connects to the listening socket at {@code path}. */
  public static SeqPacketSocket connect(SocketCalls calls, Path path) throws IOException {
    SeqPacketSocket s = open(calls, "unix socket " + path);
    byte[] addr = UnixAddress.of(path.toString());
    if (calls.connect(s.fd, addr, addr.length) != 0) {
      IOException e = new IOException(calls.describeError("cannot connect to unix socket " + path));
      s.close();
      throw e;
    }
    return s;
  }

  /**
   * Listens at {@code path}, replacing a socket file left there, readable and writable by its
   * owner only (0600): the descriptors it hands out give full control of the mounts.
   */
  public static SeqPacketSocket listen(SocketCalls calls, Path path) throws IOException {
    Files.deleteIfExists(path);
    SeqPacketSocket s = open(calls, "unix socket " + path);
    byte[] addr = UnixAddress.of(path.toString());
    if (calls.bind(s.fd, addr, addr.length) != 0 || calls.listen(s.fd, 16) != 0) {
      IOException e = new IOException(calls.describeError("cannot listen on unix socket " + path));
      s.close();
      throw e;
    }
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    return s;
  }

  private static SeqPacketSocket open(SocketCalls calls, String name) throws IOException {
    int fd = calls.socket(SocketCalls.AF_UNIX,
        SocketCalls.SOCK_SEQPACKET | SocketCalls.SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException(calls.describeError("cannot create a unix seqpacket socket"));
    }
    return new SeqPacketSocket(calls, fd, name);
  }

  /** The next connection (blocking). */
  public SeqPacketSocket accept() throws IOException {
    int c;
    do {
      c = calls.accept4(fd, null, null, SocketCalls.SOCK_CLOEXEC);
    } while (c < 0 && calls.errno() == SocketCalls.EINTR);
    if (c < 0) {
      throw new IOException(calls.describeError("cannot accept on " + name));
    }
    return new SeqPacketSocket(calls, c, "a client of " + name);
  }

  /** The connected peer's credentials (SO_PEERCRED: as it was when it connected). */
  public PeerCredentials peer() throws IOException {
    byte[] cred = new byte[12];
    int[] len = {cred.length};
    if (calls.getsockopt(fd, SocketCalls.SOL_SOCKET, SocketCalls.SO_PEERCRED, cred, len) != 0) {
      throw new IOException(calls.describeError("cannot read the peer credentials of " + name));
    }
    ByteBuffer b = ByteBuffer.wrap(cred).order(ByteOrder.nativeOrder());
    return new PeerCredentials(b.getInt(0), b.getInt(4), b.getInt(8));
  }

  public void send(FdMessage message) throws IOException {
    passing.send(fd, message, null, name);
  }

  /** The next message; empty once the peer closed its end. */
  public Optional<FdMessage> receive() throws IOException {
    return passing.receive(fd, MAX_MESSAGE, name);
  }

  /** Wakes a thread blocked in {@link #accept} or {@link #receive} (they then fail or end). */
  public void shutdown() {
    calls.shutdown(fd, SocketCalls.SHUT_RDWR);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      calls.close(fd);
    }
  }

  /** A peer process: its pid, uid and gid. */
  public record PeerCredentials(int pid, int uid, int gid) {}
}
