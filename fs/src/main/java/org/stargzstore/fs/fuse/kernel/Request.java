package org.stargzstore.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One request read from {@code /dev/fuse}: the decoded {@code fuse_in_header} and a view of the
 * body, positioned at its start. Valid until the worker reads the next request into its buffer.
 */
final class Request {
  static final int HEADER_SIZE = 40;

  final int length;
  final int opcode;
  final long unique;
  final long nodeId;
  final int uid;
  final int gid;
  final int pid;
  final ByteBuffer body;

  private Request(ByteBuffer buf, int read) {
    buf.order(ByteOrder.LITTLE_ENDIAN);
    length = buf.getInt(0);
    opcode = buf.getInt(4);
    unique = buf.getLong(8);
    nodeId = buf.getLong(16);
    uid = buf.getInt(24);
    gid = buf.getInt(28);
    pid = buf.getInt(32);
    body = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN)
        .position(HEADER_SIZE).limit(Math.min(read, Math.max(length, HEADER_SIZE)));
  }

  /** Decodes the {@code read} bytes at the start of {@code buf}. */
  static Request decode(ByteBuffer buf, int read) {
    if (read < HEADER_SIZE) {
      throw new IllegalStateException("short FUSE request: " + read + " bytes");
    }
    return new Request(buf, read);
  }

  /** The NUL-terminated name at the body's current position (which moves past it). */
  String name() {
    int start = body.position();
    int end = start;
    while (end < body.limit() && body.get(end) != 0) {
      end++;
    }
    byte[] b = new byte[end - start];
    body.get(start, b);
    body.position(Math.min(body.limit(), end + 1));
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Skips {@code n} bytes of a fixed-size argument struct. */
  Request skip(int n) {
    body.position(body.position() + n);
    return this;
  }
}
