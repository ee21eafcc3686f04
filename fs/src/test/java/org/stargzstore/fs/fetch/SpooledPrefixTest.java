package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.types.io.ByteRange;

/**
 * The prefix of an optimized layer, asked for together with its TOC: what reaches the blob (one
 * stream for the prefix, sent only once the tail is read), that every byte read equals the blob's
 * whichever way it came, and that a failed, far-behind or closed spool hands reads back to the
 * blob.
 */
class SpooledPrefixTest {
  private static final int SIZE = 3 << 20;
  private static final int PREFIX = 2 << 20;
  private static final byte[] DATA = random(SIZE);

  @TempDir Path tmp;

  private SpooledPrefix spooled(RecordingBlob blob, long ahead) {
    return new SpooledPrefix(blob, PREFIX, ahead,
        () -> Files.createTempFile(tmp, "prefix-", ".spool"), Thread::new);
  }

  @Test
  void afterTheTailIsReadThePrefixComesInOneStreamAndServesEveryReadInside() throws Exception {
    RecordingBlob blob = new RecordingBlob();
    SpooledPrefix p = spooled(blob, SIZE);
    assertArrayEquals(slice(SIZE - 100, 100), p.read(SIZE - 100, 100)); // the TOC
    assertArrayEquals(slice(0, 4096), p.read(0, 4096));
    assertArrayEquals(slice(PREFIX - 10, 10), p.read(PREFIX - 10, 10));
    List<byte[]> got = p.readRanges(List.of(new ByteRange(5, 50), new ByteRange(PREFIX + 7, 9),
        new ByteRange(70_000, 3)));
    assertArrayEquals(slice(5, 50), got.get(0));
    assertArrayEquals(slice(PREFIX + 7, 9), got.get(1));
    assertArrayEquals(slice(70_000, 3), got.get(2));
    try (InputStream in = p.openStream(1000, PREFIX - 1000)) {
      assertArrayEquals(slice(1000, PREFIX - 1000), in.readAllBytes());
    }
    // (the tail's read and the prefix's stream go out at the same time: in either order)
    assertEquals(Set.of("read " + (SIZE - 100) + "+100", "stream 0+" + PREFIX,
        "ranges [" + (PREFIX + 7) + "+9]"), Set.copyOf(blob.calls), "requests to the blob");
    assertEquals(3, blob.calls.size(), blob.calls.toString());
    // as many bytes served as the prefix holds: the spool is gone, later reads ask the blob
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(0, left.count(), "the spool file is gone once read through");
    }
    assertArrayEquals(slice(0, 10), p.read(0, 10));
    assertEquals("read 0+10", blob.calls.get(blob.calls.size() - 1));
    p.close();
  }

  @Test
  void aBlobWhoseTailIsNeverReadNeverSendsThePrefixRequest() throws Exception {
    RecordingBlob blob = new RecordingBlob();
    SpooledPrefix p = spooled(blob, SIZE);
    assertArrayEquals(slice(10, 20), p.read(10, 20));
    assertFalse(p.started());
    assertEquals(List.of("read 10+20"), blob.calls);
  }

  @Test
  void aStreamAcrossTheEndOfThePrefixContinuesFromTheBlob() throws Exception {
    RecordingBlob blob = new RecordingBlob();
    SpooledPrefix p = spooled(blob, SIZE);
    p.read(SIZE - 10, 10);
    try (InputStream in = p.openStream(PREFIX - 500, 1500)) {
      assertArrayEquals(slice(PREFIX - 500, 1500), in.readAllBytes());
    }
    assertTrue(blob.calls.contains("stream " + PREFIX + "+1000"), blob.calls.toString());
  }

  @Test
  void aTransferCutOffHandsTheRestToTheBlob() throws Exception {
    RecordingBlob blob = new RecordingBlob();
    blob.failStreamAfter = 300_000;
    SpooledPrefix p = spooled(blob, SIZE);
    p.read(SIZE - 10, 10);
    assertArrayEquals(slice(1_000_000, 5000), p.read(1_000_000, 5000));
    try (InputStream in = p.openStream(0, PREFIX)) {
      assertArrayEquals(slice(0, PREFIX), in.readAllBytes());
    }
    assertTrue(blob.calls.contains("read 1000000+5000"), blob.calls.toString());
  }

  @Test
  void aReadFarAheadOfTheTransferGoesToTheBlobInsteadOfWaiting() throws Exception {
    RecordingBlob blob = new RecordingBlob();
    blob.holdStreamAt = 100_000;
    SpooledPrefix p = spooled(blob, 64 << 10);
    p.read(SIZE - 10, 10);
    while (p.arrived() < 100_000) {
      Thread.sleep(5);
    }
    assertArrayEquals(slice(10, 100), p.read(10, 100)); // arrived: from the spool
    assertArrayEquals(slice(1_500_000, 100), p.read(1_500_000, 100)); // far ahead: the blob
    assertEquals(Set.of("read " + (SIZE - 10) + "+10", "stream 0+" + PREFIX,
        "read 1500000+100"), Set.copyOf(blob.calls));
    assertEquals(3, blob.calls.size(), blob.calls.toString());
    blob.release.countDown();
    p.close();
  }

  @Test
  void closingWhileATransferRunsEndsItAndLeavesNoFile() throws Exception {
    RecordingBlob blob = new RecordingBlob();
    blob.holdStreamAt = 100_000;
    SpooledPrefix p = spooled(blob, SIZE);
    p.read(SIZE - 10, 10);
    while (p.arrived() < 100_000) {
      Thread.sleep(5);
    }
    p.close();
    blob.release.countDown();
    assertTrue(blob.closed.await(5, TimeUnit.SECONDS));
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(0, left.count());
    }
  }

  @Test
  void onlyALayerWhoseAnnotationMeasuresAPrefixIsWrapped() {
    RecordingBlob blob = new RecordingBlob();
    SpooledPrefix.Wrapper w = SpooledPrefix.wrapper(64 << 20, () -> tmp.resolve("x"));
    Digest d = Digest.of(DATA);
    assertTrue(w.wrap(layer(d, Map.of(LayerDescriptor.PREFETCH_SIZE, "4096")), blob)
        instanceof SpooledPrefix);
    assertTrue(w.wrap(layer(d, Map.of()), blob) == blob);
    assertTrue(w.wrap(layer(d, Map.of(LayerDescriptor.PREFETCH_SIZE, "12x")), blob) == blob);
    assertTrue(w.wrap(layer(d, Map.of(LayerDescriptor.PREFETCH_SIZE,
        Long.toString(SIZE + 1L))), blob) == blob, "a prefix longer than the blob is ignored");
    assertTrue(SpooledPrefix.wrapper(0, () -> tmp.resolve("x"))
        .wrap(layer(d, Map.of(LayerDescriptor.PREFETCH_SIZE, "4096")), blob) == blob);
  }

  private static LayerDescriptor layer(Digest d, Map<String, String> annotations) {
    return new LayerDescriptor("application/vnd.oci.image.layer.v1.tar+gzip", d, SIZE,
        annotations);
  }

  private static byte[] slice(int off, int len) {
    return Arrays.copyOfRange(DATA, off, off + len);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return b;
  }

  /** {@link #DATA} as a blob that records what reaches it; its streams can stall or fail. */
  private static final class RecordingBlob implements BlobSource {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch closed = new CountDownLatch(1);
    volatile long holdStreamAt = -1;
    volatile long failStreamAfter = -1;
    final AtomicInteger prefixStreams = new AtomicInteger();

    @Override
    public long size() {
      return SIZE;
    }

    @Override
    public void readFully(long offset, byte[] dst, int dstOffset, int length) {
      calls.add("read " + offset + "+" + length);
      System.arraycopy(DATA, (int) offset, dst, dstOffset, length);
    }

    @Override
    public List<byte[]> readRanges(List<ByteRange> ranges) {
      calls.add("ranges " + ranges.stream().map(r -> r.offset() + "+" + r.length()).toList());
      return ranges.stream().map(r -> slice((int) r.offset(), (int) r.length())).toList();
    }

    @Override
    public InputStream openStream(long offset, long length) {
      calls.add("stream " + offset + "+" + length);
      boolean first = offset == 0 && prefixStreams.getAndIncrement() == 0;
      return new InputStream() {
        long pos = offset;
        final long end = offset + length;

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (pos >= end) {
            return -1;
          }
          if (failStreamAfter >= 0 && first && pos >= failStreamAfter) {
            throw new IOException("connection reset (test)");
          }
          if (holdStreamAt >= 0 && first && pos >= holdStreamAt) {
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
          }
          int n = (int) Math.min(Math.min(len, 8192), end - pos);
          System.arraycopy(DATA, (int) pos, b, off, n);
          pos += n;
          return n;
        }

        @Override
        public void close() {
          if (first) {
            closed.countDown();
          }
        }
      };
    }

    @Override
    public String describe() {
      return "test blob";
    }
  }
}
