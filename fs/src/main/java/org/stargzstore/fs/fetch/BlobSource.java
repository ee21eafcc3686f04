package org.stargzstore.fs.fetch;

import java.io.IOException;
import java.io.InputStream;
import org.stargzstore.estargz.io.RangeSource;

/**
 * A layer blob the daemon fetches from: random reads for TOCs and small pieces, and streams for
 * long runs of chunks (one HTTP request, consumed as it arrives, never held whole in memory).
 */
public interface BlobSource extends RangeSource {

  /** Streams {@code [offset, offset + length)}. The default reads it in pieces. */
  default InputStream openStream(long offset, long length) throws IOException {
    return new PieceStream(this, offset, length);
  }

  /** Adapts any {@link RangeSource} (a local file, in tests and tools). */
  static BlobSource of(RangeSource source) {
    if (source instanceof BlobSource b) {
      return b;
    }
    return new BlobSource() {
      @Override
      public long size() throws IOException {
        return source.size();
      }

      @Override
      public void readFully(long offset, byte[] dst, int dstOffset, int length)
          throws IOException {
        source.readFully(offset, dst, dstOffset, length);
      }

      @Override
      public String describe() {
        return source.describe();
      }

      @Override
      public void close() throws IOException {
        source.close();
      }
    };
  }

  /** Reads a range in 1 MiB pieces through {@link RangeSource#readFully}. */
  final class PieceStream extends InputStream {
    private static final int PIECE = 1 << 20;
    private final RangeSource source;
    private long pos;
    private final long end;
    private byte[] buf = new byte[0];
    private int bufPos;

    PieceStream(RangeSource source, long offset, long length) {
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
      buf = source.read(pos, n);
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
  }
}
