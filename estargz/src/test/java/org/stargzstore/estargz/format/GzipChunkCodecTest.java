package org.stargzstore.estargz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.testkit.Allocations;

/** Decoding gzip units to the length a TOC states (bug-* seed of GzipChunkCodecFuzzTest). */
class GzipChunkCodecTest {
  private static final GzipChunkCodec CODEC = new GzipChunkCodec();

  @Test
  void aStatedLengthIsNotAllocatedBeforeTheUnitInflatesToIt() throws Exception {
    // the codec allocated the TOC's chunk size up front: 2 GB for a 1 KB unit
    byte[] unit = gzip(new byte[1 << 20]);
    int stated = 2_000_000_000;
    assertTrue(assertThrows(LayerFormatException.class,
        () -> CODEC.decodePrefix(unit, 0, unit.length, stated, "b")).getMessage()
        .contains("1048576 of " + stated));
    long allocated = Allocations.during(
        () -> CODEC.decodePrefix(unit, 0, unit.length, stated, "b"));
    assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes for 1 MiB of output");
  }

  @Test
  void decodesExactlyTheStatedLengthAcrossMembers() throws Exception {
    byte[] a = new byte[300_000];
    for (int i = 0; i < a.length; i++) {
      a[i] = (byte) (i * 31 + i / 7);
    }
    ByteArrayOutputStream unit = new ByteArrayOutputStream();
    unit.write(gzip(a));
    unit.write(gzip(new byte[] {1, 2, 3}));
    byte[] u = unit.toByteArray();
    byte[] want = new byte[a.length + 2];
    System.arraycopy(a, 0, want, 0, a.length);
    want[a.length] = 1;
    want[a.length + 1] = 2;
    assertArrayEquals(want, CODEC.decodePrefix(u, 0, u.length, want.length, "b"));
  }

  private static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
