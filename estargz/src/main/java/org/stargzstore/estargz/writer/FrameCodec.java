package org.stargzstore.estargz.writer;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Compresses one independently decompressible unit of a layer: a gzip member for eStargz, a zstd
 * frame for zstd:chunked. Lazily pulled formats are sequences of such units, so that a reader can
 * start decompressing at any unit's offset. Implementations must be thread-safe: units are
 * compressed in parallel.
 */
public interface FrameCodec {

  /** Compresses {@code data[off, off+len)} into one complete unit appended to {@code out}. */
  void compress(byte[] data, int off, int len, ByteSink out) throws IOException;

  /**
   * Opens one unit for data too large to buffer: bytes written go compressed to {@code sink};
   * {@code close()} ends the unit and leaves {@code sink} open.
   */
  OutputStream openUnit(OutputStream sink) throws IOException;

  /** A growable byte buffer that compressed units are appended to. */
  final class ByteSink {
    private byte[] buf;
    private int len;

    public ByteSink(int initialCapacity) {
      buf = new byte[Math.max(64, initialCapacity)];
    }

    public void write(byte[] b, int off, int n) {
      ensure(n);
      System.arraycopy(b, off, buf, len, n);
      len += n;
    }

    public void write(int b) {
      ensure(1);
      buf[len++] = (byte) b;
    }

    /** Makes room for {@code n} more bytes; returns the array to write into at {@link #length()}. */
    public byte[] ensure(int n) {
      if (len + n > buf.length) {
        long want = Math.max((long) buf.length * 2, (long) len + n);
        if (want > Integer.MAX_VALUE - 16) {
          throw new IllegalStateException("compressed unit too large");
        }
        buf = java.util.Arrays.copyOf(buf, (int) want);
      }
      return buf;
    }

    public void advance(int n) {
      len += n;
    }

    public byte[] array() {
      return buf;
    }

    public int length() {
      return len;
    }
  }
}
