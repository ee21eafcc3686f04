package org.stargzstore.zstdchunked;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.layer.ChunkCodec;

/**
 * Decodes zstd:chunked chunks: a unit is one or more zstd frames (containers/storage writes one
 * frame per chunk; stargz-snapshotter's frame may go on with following tar headers). Decodes
 * only as far as the chunk ends.
 *
 * <p>The first frame's content checksum (XXH64) is not checked, as the gzip codec does not
 * check CRC32: every chunk is verified against its sha256 digest right after decoding, and a
 * damaged chunk should fail that one way, as a
 * {@link org.stargzstore.estargz.ChunkDigestMismatchException} naming both digests.
 */
public final class ZstdChunkCodec implements ChunkCodec {
  private static final int FRAME_HEADER_DESCRIPTOR = 4;
  private static final int CONTENT_CHECKSUM_FLAG = 0x04;

  @Override
  public byte[] decodePrefix(byte[] unit, int off, int len, int length, String blob)
      throws IOException {
    byte[] out = new byte[length];
    int produced = 0;
    try (ZstdInputStreamNoFinalizer in =
        new ZstdInputStreamNoFinalizer(new WithoutChecksumFlag(unit, off, len))) {
      while (produced < length) {
        int n = in.read(out, produced, length - produced);
        if (n < 0) {
          break;
        }
        produced += n;
      }
    } catch (IOException | RuntimeException e) {
      throw new LayerFormatException(blob, "corrupt zstd data in a compressed unit: "
          + e.getMessage(), e);
    }
    if (produced < length) {
      throw new LayerFormatException(blob, "zstd unit ends after " + produced + " of " + length
          + " bytes");
    }
    return out;
  }

  /**
   * The unit's bytes with the content-checksum flag of its first frame cleared. Decoding stops
   * at the end of the chunk, before the checksum bytes the flag announced, so they are never
   * misread as the start of another frame.
   */
  private static final class WithoutChecksumFlag extends ByteArrayInputStream {
    private final int descriptorAt;

    WithoutChecksumFlag(byte[] buf, int off, int len) {
      super(buf, off, len);
      boolean frame = len > FRAME_HEADER_DESCRIPTOR && (buf[off] & 0xff) == 0x28
          && (buf[off + 1] & 0xff) == 0xb5 && (buf[off + 2] & 0xff) == 0x2f
          && (buf[off + 3] & 0xff) == 0xfd;
      this.descriptorAt = frame ? off + FRAME_HEADER_DESCRIPTOR : -1;
    }

    @Override
    public synchronized int read() {
      int at = pos;
      int b = super.read();
      return at == descriptorAt && b >= 0 ? b & ~CONTENT_CHECKSUM_FLAG : b;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      int at = pos;
      int n = super.read(b, off, len);
      if (descriptorAt >= at && descriptorAt < at + Math.max(n, 0)) {
        b[off + descriptorAt - at] &= (byte) ~CONTENT_CHECKSUM_FLAG;
      }
      return n;
    }
  }
}
