package org.stargzstore.estargz.writer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stargzstore.types.Digest;

/**
 * The ordered parallel compressor, decoded by Commons Compress: the whole output is one gzip
 * stream of the input, and each unit's recorded offset starts a member holding exactly that
 * unit, whether the unit was batched, buffered alone, or (larger than the buffer limit)
 * streamed; with one thread or several.
 */
class ParallelFrameWriterTest {

  @ParameterizedTest(name = "threads={0}")
  @ValueSource(ints = {1, 3})
  void unitsDecompressAtTheirOffsetsAndTheWholeIsTheInput(int threads) throws IOException {
    Random r = new Random(threads);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    List<ParallelFrameWriter.Unit> units = new ArrayList<>();
    List<byte[]> contents = new ArrayList<>();
    int maxBuffered = 64 << 10;
    try (ParallelFrameWriter w = new ParallelFrameWriter(blob, new GzipFrameCodec(1), threads,
        256 << 10, maxBuffered)) {
      for (int i = 0; i < 300; i++) {
        // mostly small units, some just over and some far over the buffer limit, a few empty
        int size = switch (i % 10) {
          case 3 -> maxBuffered + 1 + r.nextInt(100);
          case 7 -> 5 * maxBuffered + r.nextInt(10_000);
          case 9 -> 0;
          default -> r.nextInt(3000);
        };
        byte[] data = new byte[size];
        for (int k = 0; k < size; k++) {
          data[k] = (byte) (r.nextInt(4) == 0 ? r.nextInt() : 'a' + k % 7);
        }
        ParallelFrameWriter.Unit u = w.beginUnit(r.nextBoolean() ? size : 0);
        // write in uneven pieces, as the writers do
        for (int off = 0; off < size; ) {
          int n = Math.min(size - off, 1 + r.nextInt(20_000));
          w.write(data, off, n);
          off += n;
        }
        expected.write(data);
        if (size > 0) {
          units.add(u);
          contents.add(data);
        }
      }
      w.writeRaw(new byte[0]);
      assertEquals(blob.size(), w.compressedSize());
      assertEquals(expected.size(), w.uncompressedSize());
      assertEquals(Digest.of(expected.toByteArray()), w.diffId());
    }
    byte[] b = blob.toByteArray();
    try (InputStream all = GzipCompressorInputStream.builder()
        .setInputStream(new ByteArrayInputStream(b)).setDecompressConcatenated(true).get()) {
      assertArrayEquals(expected.toByteArray(), all.readAllBytes());
    }
    for (int i = 0; i < units.size(); i++) {
      int off = (int) units.get(i).compressedOffset();
      try (InputStream one = GzipCompressorInputStream.builder()
          .setInputStream(new ByteArrayInputStream(b, off, b.length - off)).get()) {
        assertArrayEquals(contents.get(i), one.readAllBytes(), "unit " + i + " at " + off);
      }
    }
  }
}
