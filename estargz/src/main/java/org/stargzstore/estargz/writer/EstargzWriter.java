package org.stargzstore.estargz.writer;

/**
 * Entry point for writing eStargz layers (gzip), compatible with stargz-snapshotter's reference
 * reader and with any gzip reader: {@code EstargzWriter.builder().chunkSize(..).build()}.
 */
public final class EstargzWriter {
  private EstargzWriter() {}

  /** A writer builder with 4 MiB chunks (the reference's default) and gzip level 6. */
  public static StargzLayerWriter.Builder builder() {
    return builder(EstargzFlavor.DEFAULT_LEVEL);
  }

  /** A writer builder with the given gzip level (0-9). */
  public static StargzLayerWriter.Builder builder(int gzipLevel) {
    return StargzLayerWriter.builder(new EstargzFlavor(gzipLevel));
  }
}
