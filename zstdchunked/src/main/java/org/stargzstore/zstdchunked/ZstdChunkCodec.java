package org.stargzstore.zstdchunked;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.layer.ChunkCodec;

/**
 * Decodes zstd:chunked chunks: a unit is one or more zstd frames (containers/storage writes one
 * frame per chunk; stargz-snapshotter's frame may go on with following tar headers). Decodes
 * only as far as the chunk ends, with a reused zstd decompression context.
 *
 * <p>The first frame's content checksum (XXH64) is not checked, as the gzip codec does not
 * check CRC32: every chunk is verified against its sha256 digest right after decoding, and a
 * damaged chunk should fail that one way, as a
 * {@link org.stargzstore.estargz.ChunkDigestMismatchException} naming both digests. The frame
 * header is fed to the decoder from a patched copy of its first bytes; the unit itself is never
 * modified.
 */
public final class ZstdChunkCodec implements ChunkCodec {
  private static final int FRAME_HEADER_DESCRIPTOR = 4;
  private static final int CONTENT_CHECKSUM_FLAG = 0x04;
  /** Longer than any zstd frame header (at most 18 bytes). */
  private static final int HEAD = 32;
  private static final int POOL_LIMIT = 2 * Runtime.getRuntime().availableProcessors();

  private final ConcurrentLinkedQueue<ZstdDecompressCtx> pool = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pooled = new AtomicInteger();

  @Override
  public byte[] decodePrefix(byte[] unit, int off, int len, int length, String blob)
      throws IOException {
    ByteBuffer dst = ByteBuffer.wrap(new byte[ChunkCodec.initialOutputSize(len, length)]);
    int headLength = Math.min(len, HEAD);
    byte[] head = Arrays.copyOfRange(unit, off, off + headLength);
    if (isFrameStart(head)) {
      head[FRAME_HEADER_DESCRIPTOR] &= (byte) ~CONTENT_CHECKSUM_FLAG;
    }
    ZstdDecompressCtx ctx = take();
    try {
      dst = feed(ctx, dst, ByteBuffer.wrap(head), length);
      if (dst.position() < length) {
        dst = feed(ctx, dst, ByteBuffer.wrap(unit, off + headLength, len - headLength), length);
      }
    } catch (RuntimeException e) {
      ctx.close();
      ctx = null;
      throw new LayerFormatException(blob, "corrupt zstd data in a compressed unit: "
          + e.getMessage(), e);
    } finally {
      if (ctx != null) {
        give(ctx);
      }
    }
    if (dst.position() < length) {
      throw new LayerFormatException(blob, "zstd unit ends after " + dst.position() + " of "
          + length + " bytes");
    }
    return dst.array();
  }

  /**
   * Decodes from {@code src} into {@code dst} until {@code length} bytes are out or a call
   * makes no progress (input exhausted, or the frame ended); returns {@code dst}, or the larger
   * buffer it grew into (the output grows with what the unit really decodes to, never to a
   * TOC's word alone).
   */
  private static ByteBuffer feed(ZstdDecompressCtx ctx, ByteBuffer dst, ByteBuffer src,
      int length) {
    ByteBuffer out = dst;
    // not "while src has bytes": with a small output the decoder may hold decoded bytes of
    // input it has consumed, and a call with no input left still flushes them
    while (out.position() < length) {
      if (!out.hasRemaining()) {
        int at = out.position();
        out = ByteBuffer.wrap(ChunkCodec.grow(out.array(), length));
        out.position(at);
      }
      int in = src.position();
      int before = out.position();
      ctx.decompressByteBufferStream(out, src);
      if (src.position() == in && out.position() == before) {
        break;
      }
    }
    return out;
  }

  private static boolean isFrameStart(byte[] b) {
    return b.length > FRAME_HEADER_DESCRIPTOR && (b[0] & 0xff) == 0x28
        && (b[1] & 0xff) == 0xb5 && (b[2] & 0xff) == 0x2f && (b[3] & 0xff) == 0xfd;
  }

  private ZstdDecompressCtx take() {
    ZstdDecompressCtx ctx = pool.poll();
    if (ctx == null) {
      return new ZstdDecompressCtx();
    }
    pooled.decrementAndGet();
    ctx.reset();
    return ctx;
  }

  private void give(ZstdDecompressCtx ctx) {
    if (pooled.incrementAndGet() <= POOL_LIMIT) {
      pool.add(ctx);
    } else {
      pooled.decrementAndGet();
      ctx.close();
    }
  }

  /**
   * Frames one after the other. Unlike {@link #decodePrefix}, a frame's checksum is checked
   * if the stream reaches the frame's end (the streaming decoder offers no way out): a damaged
   * frame then fails as undecodable rather than as a digest mismatch; either way it is not
   * served.
   */
  @Override
  public InputStream decodeStream(InputStream unit, String blob) throws IOException {
    return new ZstdInputStreamNoFinalizer(unit);
  }
}
