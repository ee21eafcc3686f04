package org.stargzstore.zstdchunked.writer;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.estargz.writer.ParallelFrameWriter;
import org.stargzstore.estargz.writer.StargzLayerWriter;
import org.stargzstore.estargz.writer.TarBlocks;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * zstd:chunked as stargz-snapshotter writes it: the eStargz layout in zstd frames; the TOC JSON
 * (not wrapped in a tar entry) is a zstd frame inside a skippable frame, found through the 40-byte
 * {@code GnUlInUx} footer, itself in a skippable frame.
 *
 * <p>Two choices beyond the reference: the data ends with the tar end-of-archive marker in its own
 * frame (the reference leaves it out, so {@code zstd -d} of its blobs is a tar without an end), and
 * the layer carries the {@code io.containers.zstd-chunked.manifest-*} annotations as
 * stargz-snapshotter's own converter ({@code nativeconverter/zstdchunked}) adds them.
 */
public final class ZstdStargzFlavor extends StargzLayerWriter.Flavor {
  private final ZstdFrameCodec zstd;

  public ZstdStargzFlavor(int level) {
    this(new ZstdFrameCodec(level));
  }

  private ZstdStargzFlavor(ZstdFrameCodec zstd) {
    super(LayerWriteResult.MEDIA_TYPE_ZSTD, zstd);
    this.zstd = zstd;
  }

  @Override
  public Map<String, String> writeTocAndFooter(ParallelFrameWriter w, byte[] tocJson)
      throws IOException {
    w.beginUnit(2 * TarBlocks.BLOCK);
    w.write(TarBlocks.endOfArchive());
    w.flush();
    byte[] toc = zstd.compress(tocJson);
    long tocOffset = w.compressedSize() + SkippableFrames.HEADER_SIZE;
    w.writeRaw(SkippableFrames.wrap(toc));
    w.writeRaw(SkippableFrames.wrap(
        SkippableFrames.footer40(tocOffset, toc.length, tocJson.length)));
    Map<String, String> a = new LinkedHashMap<>();
    a.put(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM, Digest.of(toc).toString());
    a.put(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION,
        tocOffset + ":" + toc.length + ":" + tocJson.length + ":" + SkippableFrames.MANIFEST_TYPE_CRFS);
    return a;
  }
}
