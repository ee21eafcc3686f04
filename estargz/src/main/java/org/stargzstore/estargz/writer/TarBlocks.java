package org.stargzstore.estargz.writer;

import java.nio.charset.StandardCharsets;

/**
 * Makes the few tar blocks the writers add themselves: USTAR headers for the eStargz metadata
 * files ({@code stargz.index.json}, landmarks), zero padding and the end-of-archive marker.
 */
public final class TarBlocks {
  public static final int BLOCK = TarHeaderParser.BLOCK;

  private TarBlocks() {}

  /** A USTAR header block for a regular file owned by root with mtime 0. */
  public static byte[] regularFileHeader(String name, long size, int mode) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length > 100) {
      throw new IllegalArgumentException("name too long for a USTAR header: " + name);
    }
    byte[] b = new byte[BLOCK];
    System.arraycopy(nameBytes, 0, b, 0, nameBytes.length);
    octal(b, 100, 8, mode);
    octal(b, 108, 8, 0);
    octal(b, 116, 8, 0);
    octal(b, 124, 12, size);
    octal(b, 136, 12, 0);
    b[156] = '0';
    ascii(b, 257, "ustar\0");
    ascii(b, 263, "00");
    octal(b, 329, 8, 0);
    octal(b, 337, 8, 0);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (b[i] & 0xff);
    }
    String chk = String.format("%06o", sum);
    ascii(b, 148, chk);
    b[154] = 0;
    b[155] = ' ';
    return b;
  }

  /** Zero bytes that pad {@code contentLength} bytes of content to a whole block. */
  public static byte[] padding(long contentLength) {
    return new byte[TarEntry.padding(contentLength)];
  }

  /** The end-of-archive marker: two zero blocks. */
  public static byte[] endOfArchive() {
    return new byte[2 * BLOCK];
  }

  private static void octal(byte[] b, int off, int len, long v) {
    String s = Long.toOctalString(v);
    if (s.length() > len - 1) {
      throw new IllegalArgumentException("value " + v + " does not fit a " + len + "-byte field");
    }
    s = "0".repeat(len - 1 - s.length()) + s;
    ascii(b, off, s);
    b[off + len - 1] = 0;
  }

  private static void ascii(byte[] b, int off, String s) {
    byte[] x = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(x, 0, b, off, x.length);
  }
}
