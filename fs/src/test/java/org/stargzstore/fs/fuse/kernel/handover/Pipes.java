package org.stargzstore.fs.fuse.kernel.handover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A real pipe, to prove a passed descriptor is the same open file: bytes go in one end. */
final class Pipes {
  private Pipes() {}

  /** {read end, write end}. */
  static int[] open(SocketCalls calls) throws IOException {
    int[] fds = new int[2];
    if (calls.pipe2(fds, SocketCalls.SOCK_CLOEXEC) != 0) {
      throw new IOException(calls.describeError("pipe2"));
    }
    return fds;
  }

  static void write(SocketCalls calls, int fd, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    assertEquals(b.length, calls.write(fd, b, b.length));
  }

  static String read(SocketCalls calls, int fd, int max) {
    byte[] b = new byte[max];
    long n = calls.read(fd, b, max);
    return n <= 0 ? "" : new String(b, 0, (int) n, StandardCharsets.UTF_8);
  }
}
