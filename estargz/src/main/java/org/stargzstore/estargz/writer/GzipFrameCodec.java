package org.stargzstore.estargz.writer;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * eStargz units: each is a complete gzip member (RFC 1952) with the same 10-byte header Go's
 * {@code compress/gzip} writes (no name, mtime 0, OS unknown), so concatenated members form one
 * valid multi-member gzip stream that {@code gzip -d} reads as a whole.
 */
public final class GzipFrameCodec implements FrameCodec {
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  private final int level;
  private final ThreadLocal<Deflater> deflaters;

  /** @param level 0 (store) to 9 (best), as {@code gzip -N}. */
  public GzipFrameCodec(int level) {
    if (level < 0 || level > 9) {
      throw new IllegalArgumentException("gzip level must be 0..9, not " + level);
    }
    this.level = level;
    this.deflaters = ThreadLocal.withInitial(() -> new Deflater(level, true));
  }

  public int level() {
    return level;
  }

  @Override
  public void compress(byte[] data, int off, int len, ByteSink out) {
    Deflater d = deflaters.get();
    d.reset();
    out.write(HEADER, 0, HEADER.length);
    d.setInput(data, off, len);
    d.finish();
    while (!d.finished()) {
      byte[] buf = out.ensure(Math.max(1024, len / 2 + 64));
      int n = d.deflate(buf, out.length(), buf.length - out.length());
      out.advance(n);
    }
    CRC32 crc = new CRC32();
    crc.update(data, off, len);
    writeTrailer(out, crc.getValue(), len);
  }

  private static void writeTrailer(ByteSink out, long crc, long size) {
    for (int i = 0; i < 4; i++) {
      out.write((int) (crc >>> (8 * i)) & 0xff);
    }
    for (int i = 0; i < 4; i++) {
      out.write((int) (size >>> (8 * i)) & 0xff);
    }
  }

  @Override
  public OutputStream openUnit(OutputStream sink) throws IOException {
    sink.write(HEADER);
    return new MemberStream(sink, new Deflater(level, true));
  }

  /** One gzip member written as a stream; close() writes the trailer, not closing the sink. */
  private static final class MemberStream extends OutputStream {
    private final OutputStream sink;
    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final byte[] buf = new byte[64 << 10];
    private long size;
    private boolean closed;

    MemberStream(OutputStream sink, Deflater deflater) {
      this.sink = sink;
      this.deflater = deflater;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      crc.update(b, off, len);
      size += len;
      deflater.setInput(b, off, len);
      while (!deflater.needsInput()) {
        drain();
      }
    }

    private void drain() throws IOException {
      int n = deflater.deflate(buf, 0, buf.length);
      if (n > 0) {
        sink.write(buf, 0, n);
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        deflater.finish();
        while (!deflater.finished()) {
          drain();
        }
        ByteSink t = new ByteSink(8);
        writeTrailer(t, crc.getValue(), size);
        sink.write(t.array(), 0, t.length());
      } finally {
        deflater.end();
      }
    }
  }
}
