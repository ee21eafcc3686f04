package org.stargzstore.zstdchunked;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.testkit.Allocations;

/** Decoding zstd units to the length a TOC states (bug-* seed of ZstdChunkCodecFuzzTest). */
class ZstdChunkCodecTest {
  private static final ZstdChunkCodec CODEC = new ZstdChunkCodec();

  @Test
  void aStatedLengthIsNotAllocatedBeforeTheUnitDecodesToIt() throws Exception {
    // the codec allocated the TOC's chunk size up front: 2 GB for a 50-byte unit
    byte[] unit = Zstd.compress(new byte[1 << 20]);
    int stated = 2_000_000_000;
    assertTrue(assertThrows(LayerFormatException.class,
        () -> CODEC.decodePrefix(unit, 0, unit.length, stated, "b")).getMessage()
        .contains("ends after 1048576 of " + stated));
    long allocated = Allocations.during(
        () -> CODEC.decodePrefix(unit, 0, unit.length, stated, "b"));
    assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes for 1 MiB of output");
  }

  @Test
  void decodesExactlyTheStatedLengthAcrossFramesWhileTheOutputGrows() throws Exception {
    byte[] a = new byte[3_000_000];
    for (int i = 0; i < a.length; i++) {
      a[i] = (byte) (i % 251 == 0 ? i / 251 : 0);
    }
    ByteArrayOutputStream unit = new ByteArrayOutputStream();
    unit.write(Zstd.compress(a));
    unit.write(Zstd.compress(new byte[] {1, 2, 3}));
    byte[] u = unit.toByteArray();
    byte[] want = new byte[a.length + 2];
    System.arraycopy(a, 0, want, 0, a.length);
    want[a.length] = 1;
    want[a.length + 1] = 2;
    assertArrayEquals(want, CODEC.decodePrefix(u, 0, u.length, want.length, "b"));
  }
}
