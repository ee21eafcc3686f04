package org.stargzstore.types.io;

import java.io.IOException;
import java.io.InputStream;

/** A range of a {@link RangeSource} read in 1 MiB pieces: bounded memory for any length. */
final class RangeSourceStream extends InputStream {
  private static final int PIECE = 1 << 20;
  private final RangeSource source;
  private long pos;
  private final long end;
  private byte[] buf = new byte[0];
  private int bufPos;

  RangeSourceStream(RangeSource source, long offset, long length) {
    this.source = source;
    this.pos = offset;
    this.end = offset + length;
  }

  private boolean fill() throws IOException {
    if (bufPos < buf.length) {
      return true;
    }
    if (pos >= end) {
      return false;
    }
    int n = (int) Math.min(PIECE, end - pos);
    if (buf.length != n) {
      buf = new byte[n];
    }
    source.readFully(pos, buf, 0, n);
    pos += n;
    bufPos = 0;
    return true;
  }

  @Override
  public int read() throws IOException {
    return fill() ? buf[bufPos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, buf.length - bufPos);
    System.arraycopy(buf, bufPos, b, off, n);
    bufPos += n;
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    long inBuf = buf.length - bufPos;
    if (n <= inBuf) {
      bufPos += (int) n;
      return n;
    }
    long skipped = Math.min(n, inBuf + (end - pos));
    pos += skipped - inBuf;
    bufPos = buf.length;
    return skipped;
  }
}
