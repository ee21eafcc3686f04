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
 */
public final class ZstdChunkCodec implements ChunkCodec {

  @Override
  public byte[] decodePrefix(byte[] unit, int off, int len, int length, String blob)
      throws IOException {
    byte[] out = new byte[length];
    int produced = 0;
    try (ZstdInputStreamNoFinalizer in =
        new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(unit, off, len))) {
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
}
