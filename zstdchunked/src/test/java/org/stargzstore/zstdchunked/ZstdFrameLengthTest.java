package org.stargzstore.zstdchunked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.stargzstore.testkit.Shared;

/**
 * What a run of zstd frames decompresses to, counted with one reused context: the same number
 * as a fresh stream decoder for every frame, and an error, never a number, where the bytes stop
 * inside a frame or are not zstd.
 */
class ZstdFrameLengthTest {

  @Test
  void podman431BlobCountsAsAStreamDecoderDecodesIt() throws IOException {
    // data frames, then the TOC and footer in skippable frames: all of it is zstd
    byte[] blob = Files.readAllBytes(Shared.fixture("edge.zstd-podman.blob"));
    long expected;
    try (InputStream z = new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(blob))) {
      expected = z.transferTo(java.io.OutputStream.nullOutputStream());
    }
    try (ZstdFrameLength frames = new ZstdFrameLength()) {
      assertEquals(expected, frames.of(new ByteArrayInputStream(blob), blob.length));
      // the context is reused: a second run counts the same
      assertEquals(expected, frames.of(new ByteArrayInputStream(blob), blob.length));
    }
  }

  @Test
  void framesCountTogetherAndOnlyFrameBoundariesEndWhole() throws IOException {
    List<Integer> ends = new ArrayList<>();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    long plain = 0;
    Random rnd = new Random(7);
    for (int size : new int[] {512, 1536, 0, 300_000, 20}) {
      byte[] data = new byte[size];
      // half random (incompressible, longer than the input buffer), half zeros (a long output)
      for (int i = 0; i < size / 2; i++) {
        data[i] = (byte) rnd.nextInt();
      }
      all.write(frame(data));
      ends.add(all.size());
      plain += size;
    }
    byte[] bytes = all.toByteArray();
    try (ZstdFrameLength frames = new ZstdFrameLength()) {
      assertEquals(plain, frames.of(new ByteArrayInputStream(bytes), bytes.length));
      for (int cut = 1; cut < 700; cut++) {
        int at = cut;
        if (ends.contains(at)) {
          frames.of(new ByteArrayInputStream(bytes), at);
        } else {
          assertThrows(ZstdFrameLength.NotWholeFramesException.class,
              () -> frames.of(new ByteArrayInputStream(bytes), at), "cut at " + at);
        }
      }
      int insideTheLong = ends.get(3) - 1000;
      assertThrows(ZstdFrameLength.NotWholeFramesException.class,
          () -> frames.of(new ByteArrayInputStream(bytes), insideTheLong));
      // and after an error the context still counts right
      assertEquals(plain, frames.of(new ByteArrayInputStream(bytes), bytes.length));
    }
  }

  @Test
  void notZstdOrTooShortIsAnError() throws IOException {
    byte[] tar = new byte[1024];
    byte[] frame = frame(new byte[2048]);
    try (ZstdFrameLength frames = new ZstdFrameLength()) {
      assertThrows(ZstdFrameLength.NotWholeFramesException.class,
          () -> frames.of(new ByteArrayInputStream(tar), tar.length));
      assertThrows(EOFException.class,
          () -> frames.of(new ByteArrayInputStream(frame), frame.length + 1));
      // the bytes after the length asked are not read
      byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 10);
      ByteArrayInputStream in = new ByteArrayInputStream(longer);
      assertEquals(2048, frames.of(in, frame.length));
      assertEquals(10, in.available());
    }
  }

  private static byte[] frame(byte[] data) throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    // a stream, as containers/storage writes them: no content size in the frame header
    try (ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(bo)) {
      z.write(data);
    }
    return bo.toByteArray();
  }
}
