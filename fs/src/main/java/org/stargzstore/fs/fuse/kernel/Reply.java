package org.stargzstore.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A worker's reply buffer: {@code fuse_out_header} then the body the operation writes through
 * {@link #body()}. The session sends it with one {@code write(2)}, as the device requires.
 */
final class Reply {
  static final int HEADER_SIZE = 16;

  private final ByteBuffer buf;
  private long unique;
  private int error;
  private boolean none;

  Reply(ByteBuffer buf) {
    this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Starts the reply to request {@code unique}: empty body, no error. */
  Reply begin(long unique) {
    this.unique = unique;
    this.error = 0;
    this.none = false;
    buf.clear().position(HEADER_SIZE);
    return this;
  }

  /** The body, to be appended to (little-endian). */
  ByteBuffer body() {
    return buf;
  }

  /** Answers with {@code -errno} and no body. */
  void error(int errno) {
    error = -errno;
    buf.position(HEADER_SIZE);
  }

  /** FORGET, BATCH_FORGET and INTERRUPT get no reply at all. */
  void none() {
    none = true;
  }

  boolean isNone() {
    return none;
  }

  int errorCode() {
    return error;
  }

  /** Writes the header; returns the reply's length. */
  int finish() {
    int len = buf.position();
    buf.putInt(0, len).putInt(4, error).putLong(8, unique);
    return len;
  }

  /** Appends {@code s} and a terminating NUL. */
  static void putCString(ByteBuffer b, byte[] s) {
    b.put(s).put((byte) 0);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
