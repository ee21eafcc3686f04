package org.stargzstore.zstdchunked;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Turns any layer blob (eStargz, zstd:chunked of either flavour, plain gzip or zstd, or an
 * uncompressed tar) into its uncompressed tar stream, by sniffing the first bytes. Writers use
 * it to accept any input; tests use it to get the reference view of a blob (the whole stream
 * decompressed, which is what a non-lazy puller sees).
 *
 * <p>Gzip input is read as concatenated members (eStargz is one member per chunk); zstd input as
 * concatenated frames with skippable frames (zstd:chunked metadata) skipped.
 */
public final class LayerDecompression {
  private static final int SNIFF_BYTES = 6;

  private LayerDecompression() {}

  /** How a layer blob is compressed, judged from its first bytes. */
  public enum Compression {
    GZIP,
    ZSTD,
    /** No known compression magic: taken to be a plain tar. */
    NONE
  }

  /**
   * Sniffs the compression from the first bytes of a blob (at least 4 are needed to recognise
   * zstd; fewer mean {@link Compression#NONE}).
   *
   * @throws IOException if the blob uses a compression layers may not use here (bzip2, xz)
   */
  public static Compression sniff(byte[] head, int length) throws IOException {
    if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Compression.GZIP;
    }
    if (length >= 4 && isZstdFrameMagic(head)) {
      return Compression.ZSTD;
    }
    if (length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
      throw new IOException("bzip2-compressed layers are not supported");
    }
    if (length >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z'
        && head[3] == 'X' && head[4] == 'Z' && head[5] == 0) {
      throw new IOException("xz-compressed layers are not supported");
    }
    return Compression.NONE;
  }

  /** Sniffs the compression of a file. */
  public static Compression sniff(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(SNIFF_BYTES);
      return sniff(head, head.length);
    }
  }

  /**
   * Wraps {@code in} so that it yields the uncompressed tar. The returned stream owns {@code in}
   * and closes it.
   */
  public static InputStream decompress(InputStream in) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
    buffered.mark(SNIFF_BYTES);
    byte[] head = buffered.readNBytes(SNIFF_BYTES);
    buffered.reset();
    return switch (sniff(head, head.length)) {
      case GZIP -> GzipCompressorInputStream.builder().setInputStream(buffered)
          .setDecompressConcatenated(true).get();
      case ZSTD -> new ZstdInputStreamNoFinalizer(buffered);
      case NONE -> buffered;
    };
  }

  /** Opens a file and returns its uncompressed tar stream. */
  public static InputStream open(Path file) throws IOException {
    InputStream in = Files.newInputStream(file);
    try {
      return decompress(in);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** A zstd frame or a zstd skippable frame (zstd:chunked may start either way). */
  private static boolean isZstdFrameMagic(byte[] b) {
    int b0 = b[0] & 0xff;
    int b1 = b[1] & 0xff;
    int b2 = b[2] & 0xff;
    int b3 = b[3] & 0xff;
    boolean frame = b0 == 0x28 && b1 == 0xb5 && b2 == 0x2f && b3 == 0xfd;
    boolean skippable = (b0 & 0xf0) == 0x50 && b1 == 0x2a && b2 == 0x4d && b3 == 0x18;
    return frame || skippable;
  }
}
