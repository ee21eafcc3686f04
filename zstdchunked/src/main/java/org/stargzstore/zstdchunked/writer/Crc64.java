package org.stargzstore.zstdchunked.writer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * CRC-64 with the ISO polynomial in Go's {@code hash/crc64} convention (reflected, inverted in
 * and out; the check value of {@code "123456789"} is {@code 0xb90956c775a41001}). tar-split stores
 * it for every file so that a reassembled tar can be checked. Eight bytes per step (slicing-by-8,
 * as Go does too).
 */
final class Crc64 {
  private static final long ISO = 0xD800000000000000L;
  private static final long[][] TABLES = new long[8][256];
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static {
    for (int i = 0; i < 256; i++) {
      long crc = i;
      for (int j = 0; j < 8; j++) {
        crc = (crc & 1) == 1 ? (crc >>> 1) ^ ISO : crc >>> 1;
      }
      TABLES[0][i] = crc;
    }
    for (int i = 0; i < 256; i++) {
      long crc = TABLES[0][i];
      for (int k = 1; k < 8; k++) {
        crc = TABLES[0][(int) (crc & 0xff)] ^ (crc >>> 8);
        TABLES[k][i] = crc;
      }
    }
  }

  private long crc = ~0L;

  void update(byte[] b, int off, int len) {
    long c = crc;
    int i = off;
    int end = off + len;
    long[] t0 = TABLES[0];
    long[] t1 = TABLES[1];
    long[] t2 = TABLES[2];
    long[] t3 = TABLES[3];
    long[] t4 = TABLES[4];
    long[] t5 = TABLES[5];
    long[] t6 = TABLES[6];
    long[] t7 = TABLES[7];
    for (; i + 8 <= end; i += 8) {
      c ^= (long) LONG_LE.get(b, i);
      c = t7[(int) (c & 0xff)] ^ t6[(int) ((c >>> 8) & 0xff)] ^ t5[(int) ((c >>> 16) & 0xff)]
          ^ t4[(int) ((c >>> 24) & 0xff)] ^ t3[(int) ((c >>> 32) & 0xff)]
          ^ t2[(int) ((c >>> 40) & 0xff)] ^ t1[(int) ((c >>> 48) & 0xff)] ^ t0[(int) (c >>> 56)];
    }
    for (; i < end; i++) {
      c = t0[(int) ((c ^ b[i]) & 0xff)] ^ (c >>> 8);
    }
    crc = c;
  }

  long value() {
    return ~crc;
  }

  /** The checksum as Go's {@code Sum(nil)} returns it: 8 bytes, big-endian. */
  byte[] bytes() {
    long v = value();
    byte[] out = new byte[8];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (v >>> (56 - 8 * i));
    }
    return out;
  }
}
