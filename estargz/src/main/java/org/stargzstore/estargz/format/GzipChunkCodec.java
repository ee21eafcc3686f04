package org.stargzstore.estargz.format;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.stargzstore.estargz.LayerFormatException;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.stargzstore.estargz.layer.ChunkCodec;

/**
 * Decodes eStargz chunks: a unit is a gzip member whose deflate stream starts with the chunk's
 * bytes (or, since stargz-snapshotter v0.13, several small files at {@code innerOffset}s) and
 * may go on with the tar headers of the next entries. Inflates only as far as the chunk ends;
 * if a member ends first, inflation continues with the next member in the unit. The output grows
 * with what the unit really inflates to, so a chunk size stated in a TOC is never allocated
 * up front.
 */
public final class GzipChunkCodec implements ChunkCodec {

  @Override
  public byte[] decodePrefix(byte[] unit, int off, int len, int length, String blob)
      throws IOException {
    byte[] out = new byte[ChunkCodec.initialOutputSize(len, length)];
    int produced = 0;
    int pos = off;
    int end = off + len;
    Inflater inflater = new Inflater(true);
    try {
      while (produced < length) {
        int header = GzipHeader.length(unit, pos, end - pos);
        if (header < 0) {
          throw new LayerFormatException(blob, "compressed unit at +" + (pos - off)
              + " is not a gzip member (decoded " + produced + " of " + length + " bytes)");
        }
        pos += header;
        inflater.reset();
        inflater.setInput(unit, pos, end - pos);
        while (produced < length && !inflater.finished()) {
          if (produced == out.length) {
            out = ChunkCodec.grow(out, length);
          }
          int n = inflater.inflate(out, produced, out.length - produced);
          produced += n;
          if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
            throw new LayerFormatException(blob, "gzip unit ends after " + produced + " of "
                + length + " bytes");
          }
        }
        if (produced < length) {
          pos = end - inflater.getRemaining() + GzipHeader.TRAILER_LENGTH;
        }
      }
      return out;
    } catch (DataFormatException e) {
      throw new LayerFormatException(blob, "corrupt deflate data in a gzip unit: "
          + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }

  /** Members one after the other, as {@link #decodePrefix} inflates them. */
  @Override
  public InputStream decodeStream(InputStream unit, String blob) throws IOException {
    try {
      return new GzipCompressorInputStream(unit, true);
    } catch (IOException e) {
      throw new LayerFormatException(blob, "compressed unit is not a gzip member: "
          + e.getMessage(), e);
    }
  }
}
