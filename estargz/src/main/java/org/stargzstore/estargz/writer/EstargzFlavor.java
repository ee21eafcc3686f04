package org.stargzstore.estargz.writer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * eStargz: gzip members; the TOC is the tar entry {@code stargz.index.json} in its own member,
 * followed by the end-of-archive marker, then the 51-byte footer, an empty gzip member whose
 * extra field {@code SG} holds {@code %016xSTARGZ} with the TOC offset.
 */
public final class EstargzFlavor extends StargzLayerWriter.Flavor {
  /**
   * gzip's own default level. The reference builder uses 9 ({@code gzip.BestCompression}); with
   * zlib, level 9 takes several times as long for blobs about 2% smaller (see
   * docs/benchmarks.md), so 9 is an option, not the default.
   */
  public static final int DEFAULT_LEVEL = 6;
  public static final int FOOTER_SIZE = 51;

  public EstargzFlavor(int level) {
    super(LayerWriteResult.MEDIA_TYPE_GZIP, new GzipFrameCodec(level));
  }

  @Override
  public Map<String, String> writeTocAndFooter(ParallelFrameWriter w, byte[] tocJson)
      throws IOException {
    ParallelFrameWriter.Unit toc = w.beginUnit(tocJson.length + 3 * TarBlocks.BLOCK);
    w.write(TarBlocks.regularFileHeader(StargzEntryOrder.TOC_NAME, tocJson.length,
        StargzLayerWriter.METADATA_FILE_MODE));
    w.write(tocJson);
    w.write(TarBlocks.padding(tocJson.length));
    w.write(TarBlocks.endOfArchive());
    w.flush();
    w.writeRaw(footer(toc.compressedOffset()));
    return Map.of();
  }

  /** The 51-byte eStargz footer pointing at the TOC member at {@code tocOffset}. */
  public static byte[] footer(long tocOffset) {
    byte[] f = new byte[FOOTER_SIZE];
    int i = 0;
    f[i++] = 0x1f;
    f[i++] = (byte) 0x8b;
    f[i++] = 8; // deflate
    f[i++] = 4; // FEXTRA
    i += 4; // mtime 0
    f[i++] = 0; // XFL
    f[i++] = (byte) 0xff; // OS unknown
    f[i++] = 26; // XLEN = 4 + 22
    f[i++] = 0;
    f[i++] = 'S';
    f[i++] = 'G';
    f[i++] = 22; // subfield length
    f[i++] = 0;
    byte[] sub = String.format("%016xSTARGZ", tocOffset).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(sub, 0, f, i, sub.length);
    i += sub.length;
    // An empty final stored block, then CRC32 and ISIZE of nothing (all zero).
    f[i++] = 1;
    f[i++] = 0;
    f[i++] = 0;
    f[i++] = (byte) 0xff;
    f[i++] = (byte) 0xff;
    return f;
  }
}
