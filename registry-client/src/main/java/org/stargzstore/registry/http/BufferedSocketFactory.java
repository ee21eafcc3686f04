package org.stargzstore.registry.http;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.function.LongConsumer;
import javax.net.SocketFactory;

/**
 * Sockets whose input is read from the kernel in large pieces. Okio (under OkHttp) reads a
 * socket one 8 KiB segment per system call; for blob bodies of many megabytes that is tens of
 * thousands of reads, and on a busy node the transfer costs about 1.5 times the CPU of a plain
 * JDK client. With a 64 KiB buffer under it, Okio's reads come from memory and the kernel is
 * asked 8 times less often. TLS sockets are layered on these, so they benefit too.
 *
 * <p>The idle-read timeout is enforced here by the kernel ({@code SO_TIMEOUT}) rather than by
 * OkHttp's read timeout, which arms and disarms Okio's watchdog (a locked queue) on every 8 KiB
 * read. The client gives OkHttp no read timeout; a socket asked for "none" gets this one.
 * (Both measured in {@code docs/benchmarks.md}.)
 */
public final class BufferedSocketFactory extends SocketFactory {
  static final int BUFFER = 64 << 10;
  private final int readTimeoutMillis;
  private final LongConsumer received;

  /**
   * @param readTimeoutMillis the longest a read may wait for data, enforced by the kernel
   *     ({@code SO_TIMEOUT}) whenever OkHttp asks for no timeout
   * @param received told every byte count read from the network (what really crossed the wire,
   *     headers and bytes OkHttp drains included)
   */
  public BufferedSocketFactory(int readTimeoutMillis, LongConsumer received) {
    this.readTimeoutMillis = readTimeoutMillis;
    this.received = received;
  }

  @Override
  public Socket createSocket() {
    return new BufferedSocket(readTimeoutMillis, received);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket s = createSocket();
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localHost, localPort));
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    Socket s = createSocket();
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
      int localPort) throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localAddress, localPort));
    s.connect(new InetSocketAddress(address, port));
    return s;
  }

  /**
   * A plain socket whose input stream is buffered (one buffer per socket, made on first use),
   * and whose idle-read limit is never "infinite".
   */
  private static final class BufferedSocket extends Socket {
    private final int floorTimeout;
    private final LongConsumer received;
    private InputStream in;

    BufferedSocket(int floorTimeout, LongConsumer received) {
      this.floorTimeout = floorTimeout;
      this.received = received;
    }

    @Override
    public synchronized void setSoTimeout(int timeout) throws java.net.SocketException {
      super.setSoTimeout(timeout == 0 ? floorTimeout : timeout);
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new BufferedInputStream(new FilterInputStream(super.getInputStream()) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
              received.accept(n);
            }
            return n;
          }
        }, BUFFER);
      }
      return in;
    }
  }
}
