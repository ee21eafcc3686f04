package org.stargzstore.fs.fetch;

import java.io.IOException;
import java.io.InputStream;

/**
 * The next {@code length} bytes of a response, as a stream of their own: a unit decoded as a
 * stream must neither read into the next unit nor close the response.
 */
public final class BoundedStream extends InputStream {
  private final InputStream in;
  private long remaining;

  public BoundedStream(InputStream in, long length) {
    this.in = in;
    this.remaining = length;
  }

  public long remaining() {
    return remaining;
  }

  @Override
  public int read() throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int b = in.read();
    if (b >= 0) {
      remaining--;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n > 0) {
      remaining -= n;
    }
    return n;
  }

  /** Reads past what the decoder left of the unit; stops early only at the response's end. */
  public void skipRest() throws IOException {
    byte[] buf = new byte[8192];
    while (remaining > 0 && read(buf, 0, buf.length) >= 0) {
      // discard
    }
  }

  /** Leaves the response open: the next unit follows in it. */
  @Override
  public void close() {}
}
