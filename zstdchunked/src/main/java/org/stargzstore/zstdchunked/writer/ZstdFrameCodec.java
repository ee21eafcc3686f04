package org.stargzstore.zstdchunked.writer;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.stargzstore.estargz.writer.FrameCodec;

/**
 * zstd:chunked units: each is one complete zstd frame, so a reader can decompress from any
 * unit's offset and {@code zstd -d} reads the concatenation as one stream.
 */
public final class ZstdFrameCodec implements FrameCodec {
  /** zstd's own default level (what {@code zstd -c} uses, and refgen's {@code SpeedDefault}). */
  public static final int DEFAULT_LEVEL = 3;

  private final int level;
  private final ThreadLocal<ZstdCompressCtx> contexts;

  /** @param level zstd level 1 to 19 */
  public ZstdFrameCodec(int level) {
    if (level < 1 || level > 19) {
      throw new IllegalArgumentException("zstd level must be 1..19, not " + level);
    }
    this.level = level;
    this.contexts = ThreadLocal.withInitial(() -> {
      ZstdCompressCtx c = new ZstdCompressCtx();
      c.setLevel(level);
      c.setContentSize(true);
      return c;
    });
  }

  public int level() {
    return level;
  }

  @Override
  public void compress(byte[] data, int off, int len, ByteSink out) {
    int bound = (int) Zstd.compressBound(len);
    byte[] dst = out.ensure(bound);
    int n = contexts.get().compressByteArray(dst, out.length(), bound, data, off, len);
    out.advance(n);
  }

  /** One frame holding {@code data} (for a TOC or manifest). */
  public byte[] compress(byte[] data) {
    ByteSink s = new ByteSink((int) Zstd.compressBound(data.length));
    compress(data, 0, data.length, s);
    return java.util.Arrays.copyOf(s.array(), s.length());
  }

  @Override
  public OutputStream openUnit(OutputStream sink) throws IOException {
    OutputStream keepOpen = new FilterOutputStream(sink) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
    ZstdOutputStream z = new ZstdOutputStream(keepOpen, level);
    return z;
  }
}
