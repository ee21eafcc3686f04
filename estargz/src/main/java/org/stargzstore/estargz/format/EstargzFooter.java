package org.stargzstore.estargz.format;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The eStargz footer: an empty gzip member whose header's extra field holds the TOC offset as
 * 16 hex digits followed by {@code STARGZ}. Layouts (stargz-snapshotter {@code estargz/gzip.go},
 * {@code gzipFooterBytes} and {@code LegacyGzipDecompressor.ParseFooter}):
 *
 * <pre>
 * 51 bytes: 1f 8b 08 04 | mtime(4) xfl os | XLEN=26 (LE u16) | 'S' 'G' LEN=22 (LE u16)
 *           | %016x offset | "STARGZ" | 01 00 00 ff ff (empty stored block) | crc32(4) isize(4)
 * 47 bytes (legacy stargz): ... | XLEN=22 | %016x offset | "STARGZ" | 01 00 00 ff ff | 8 bytes
 * </pre>
 */
final class EstargzFooter {
  static final int SIZE = 51;
  static final int LEGACY_SIZE = 47;
  private static final byte[] MAGIC = "STARGZ".getBytes(StandardCharsets.US_ASCII);
  private static final int XLEN_AT = 10;
  private static final int EXTRA_AT = 12;

  private EstargzFooter() {}

  /** The TOC offset if the last 51 bytes of {@code tail} are a current eStargz footer. */
  static OptionalLong parse(byte[] tail) {
    if (tail.length < SIZE) {
      return OptionalLong.empty();
    }
    int f = tail.length - SIZE;
    if (!header(tail, f) || u16(tail, f + XLEN_AT) != 26 || tail[f + EXTRA_AT] != 'S'
        || tail[f + EXTRA_AT + 1] != 'G' || u16(tail, f + EXTRA_AT + 2) != 22) {
      return OptionalLong.empty();
    }
    return offset(tail, f + EXTRA_AT + 4);
  }

  /** The TOC offset if the last 47 bytes of {@code tail} are a legacy stargz footer. */
  static OptionalLong parseLegacy(byte[] tail) {
    if (tail.length < LEGACY_SIZE) {
      return OptionalLong.empty();
    }
    int f = tail.length - LEGACY_SIZE;
    if (!header(tail, f) || u16(tail, f + XLEN_AT) != 22) {
      return OptionalLong.empty();
    }
    return offset(tail, f + EXTRA_AT);
  }

  private static boolean header(byte[] b, int f) {
    return GzipHeader.isMemberStart(b, f, b.length - f)
        && (b[f + 3] & GzipHeader.FLAG_EXTRA) != 0;
  }

  /** 16 hex digits then {@code STARGZ} at {@code p}. */
  private static OptionalLong offset(byte[] b, int p) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (b[p + 16 + i] != MAGIC[i]) {
        return OptionalLong.empty();
      }
    }
    long v = 0;
    for (int i = 0; i < 16; i++) {
      int d = Character.digit(b[p + i], 16);
      if (d < 0) {
        return OptionalLong.empty();
      }
      v = v << 4 | d;
    }
    return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
  }

  private static int u16(byte[] b, int p) {
    return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
  }
}
