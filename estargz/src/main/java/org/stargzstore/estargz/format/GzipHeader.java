package org.stargzstore.estargz.format;

/**
 * The RFC 1952 member header: where the deflate data of a gzip member starts. eStargz units,
 * its TOC and its footer are gzip members; only the header layout is needed to inflate them
 * with a raw {@link java.util.zip.Inflater}.
 */
final class GzipHeader {
  static final int FIXED_LENGTH = 10;
  static final int FLAG_HCRC = 0x02;
  static final int FLAG_EXTRA = 0x04;
  static final int FLAG_NAME = 0x08;
  static final int FLAG_COMMENT = 0x10;
  /** The trailer after the deflate data: CRC32 and ISIZE. */
  static final int TRAILER_LENGTH = 8;

  private GzipHeader() {}

  /** True if {@code b[off..]} starts with the gzip magic and the deflate method. */
  static boolean isMemberStart(byte[] b, int off, int len) {
    return len >= 3 && (b[off] & 0xff) == 0x1f && (b[off + 1] & 0xff) == 0x8b && b[off + 2] == 8;
  }

  /**
   * The length of the member header at {@code b[off..]}, or -1 if it is not a complete gzip
   * member header within {@code len} bytes.
   */
  static int length(byte[] b, int off, int len) {
    if (len < FIXED_LENGTH || !isMemberStart(b, off, len)) {
      return -1;
    }
    int flags = b[off + 3] & 0xff;
    int p = FIXED_LENGTH;
    if ((flags & FLAG_EXTRA) != 0) {
      if (p + 2 > len) {
        return -1;
      }
      int xlen = (b[off + p] & 0xff) | (b[off + p + 1] & 0xff) << 8;
      p += 2 + xlen;
    }
    if ((flags & FLAG_NAME) != 0) {
      p = skipZeroTerminated(b, off, len, p);
    }
    if (p >= 0 && (flags & FLAG_COMMENT) != 0) {
      p = skipZeroTerminated(b, off, len, p);
    }
    if (p >= 0 && (flags & FLAG_HCRC) != 0) {
      p += 2;
    }
    return p >= 0 && p <= len ? p : -1;
  }

  private static int skipZeroTerminated(byte[] b, int off, int len, int p) {
    for (int i = p; i < len; i++) {
      if (b[off + i] == 0) {
        return i + 1;
      }
    }
    return -1;
  }
}
