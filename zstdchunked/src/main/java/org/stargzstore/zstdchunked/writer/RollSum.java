package org.stargzstore.zstdchunked.writer;

/**
 * The bup rolling checksum (64-byte window) that containers/storage uses to cut file contents
 * into chunks: a chunk ends after a byte at which the low {@value #SPLIT_BITS} bits of {@code s2}
 * are all ones (about every 64 KiB). Using the same function and state handling as
 * containers/storage's {@code compressor/rollsum.go} gives the same chunks as {@code podman push},
 * so identical chunks in layers from either producer are recognised as duplicates.
 */
final class RollSum {
  static final int SPLIT_BITS = 16;
  private static final int WINDOW = 64;
  private static final int CHAR_OFFSET = 31;
  private static final int SPLIT_MASK = (1 << SPLIT_BITS) - 1;

  private final byte[] window = new byte[WINDOW];
  private int wofs;
  private int s1 = WINDOW * CHAR_OFFSET;
  private int s2 = WINDOW * (WINDOW - 1) * CHAR_OFFSET;

  /** Rolls one byte in; returns true if a chunk ends after it. */
  boolean roll(byte b) {
    int drop = window[wofs] & 0xff;
    s1 += (b & 0xff) - drop;
    s2 += s1 - WINDOW * (drop + CHAR_OFFSET);
    window[wofs] = b;
    wofs = (wofs + 1) & (WINDOW - 1);
    return (s2 & SPLIT_MASK) == SPLIT_MASK;
  }

  /**
   * Rolls {@code b[from, to)} in until a chunk ends: returns the index after the byte that ends
   * a chunk, or {@code ~to} (negative) if none does. The same as calling {@link #roll} per byte,
   * with the state kept in registers.
   */
  int rollUntilSplit(byte[] b, int from, int to) {
    byte[] win = window;
    int w = wofs;
    int a = s1;
    int c = s2;
    int i = from;
    int result = ~to;
    while (i < to) {
      byte x = b[i++];
      int drop = win[w] & 0xff;
      a += (x & 0xff) - drop;
      c += a - WINDOW * (drop + CHAR_OFFSET);
      win[w] = x;
      w = (w + 1) & (WINDOW - 1);
      if ((c & SPLIT_MASK) == SPLIT_MASK) {
        result = i;
        break;
      }
    }
    wofs = w;
    s1 = a;
    s2 = c;
    return result;
  }

  /**
   * Rolls {@code n} zero bytes in without looking for split points (what containers/storage does
   * for a run of zeros it stores as a hole). Once the window holds only zeros each further zero
   * adds the same amount to {@code s2}, so long runs cost constant time.
   */
  void rollZeros(long n) {
    while (n > 0 && !windowIsZero()) {
      roll((byte) 0);
      n--;
    }
    if (n > 0) {
      s2 += (int) n * (s1 - WINDOW * CHAR_OFFSET);
      wofs = (int) ((wofs + n) & (WINDOW - 1));
    }
  }

  private boolean windowIsZero() {
    for (byte x : window) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
