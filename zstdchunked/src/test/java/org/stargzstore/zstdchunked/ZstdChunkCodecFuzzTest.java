package org.stargzstore.zstdchunked;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.stargzstore.estargz.LayerFormatException;

/**
 * Fuzzes decoding a zstd:chunked unit (zstd frames) to a chunk of the length a TOC states: the
 * codec returns exactly that many bytes or fails with a {@link LayerFormatException}, and its
 * memory follows what the unit really decodes to, not the stated length (the fuzz execution
 * runs with a 768 MiB heap, so allocating a stated 2 GiB up front fails as an OOM finding).
 *
 * <p>Input: the length as a 4-byte big-endian int (its sign bit dropped), then the unit.
 * Seeds: zstd frames of text and of zeros with their true and exaggerated lengths.
 */
class ZstdChunkCodecFuzzTest {
  private static final ZstdChunkCodec CODEC = new ZstdChunkCodec();

  @FuzzTest(maxDuration = "8s")
  void decodeUnit(byte[] input) {
    if (input.length < 4) {
      return;
    }
    int length = Math.min(ByteBuffer.wrap(input).getInt() & Integer.MAX_VALUE,
        Integer.MAX_VALUE - 8);
    byte[] unit = Arrays.copyOfRange(input, 4, input.length);
    try {
      byte[] out = CODEC.decodePrefix(unit, 0, unit.length, length, "fuzz.blob");
      if (out.length != length) {
        throw new AssertionError("decoded " + out.length + " bytes, not " + length);
      }
    } catch (LayerFormatException expected) {
      // the contract: a typed error naming the blob
    } catch (java.io.IOException e) {
      throw new AssertionError("untyped I/O error", e);
    }
  }
}
