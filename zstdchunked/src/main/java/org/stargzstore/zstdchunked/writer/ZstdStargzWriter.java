package org.stargzstore.zstdchunked.writer;

import org.stargzstore.estargz.writer.StargzLayerWriter;

/**
 * Entry point for zstd:chunked layers in the stargz-snapshotter flavour (eStargz TOC, zstd
 * frames), which the reference reader ({@code estargz/zstdchunked}) opens.
 */
public final class ZstdStargzWriter {
  private ZstdStargzWriter() {}

  /** A writer builder with 4 MiB chunks and zstd level 3. */
  public static StargzLayerWriter.Builder builder() {
    return builder(ZstdFrameCodec.DEFAULT_LEVEL);
  }

  public static StargzLayerWriter.Builder builder(int zstdLevel) {
    return StargzLayerWriter.builder(new ZstdStargzFlavor(zstdLevel));
  }
}
