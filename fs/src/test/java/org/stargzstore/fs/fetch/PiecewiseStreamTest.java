package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.io.ByteArrayRangeSource;

class PiecewiseStreamTest {
  private static final int PIECE = 64 << 10;
  private final ExecutorService ahead = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    ahead.shutdownNow();
  }

  /**
   * A blob that records the ranges asked of it, when a stream's request is sent: on its first
   * read, as a registry blob's stream does; {@code shortBy} cuts every answer short.
   */
  private static final class RecordingBlob implements BlobSource {
    final BlobSource bytes;
    final List<long[]> opened = new CopyOnWriteArrayList<>();
    final int shortBy;

    RecordingBlob(byte[] data, int shortBy) {
      this.bytes = BlobSource.of(new ByteArrayRangeSource("blob", data));
      this.shortBy = shortBy;
    }

    @Override
    public long size() throws IOException {
      return bytes.size();
    }

    @Override
    public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
      bytes.readFully(offset, dst, dstOffset, length);
    }

    @Override
    public InputStream openStream(long offset, long length) throws IOException {
      byte[] b = bytes.read(offset, (int) length - shortBy);
      return new FilterInputStream(new ByteArrayInputStream(b)) {
        boolean sent;

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
          if (!sent) {
            sent = true;
            opened.add(new long[] {offset, length});
          }
          return super.read(buf, off, len);
        }

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
      };
    }

    @Override
    public String describe() {
      return "blob";
    }

    @Override
    public void close() {}
  }

  /** Counts the budget the stream holds: what it asked for and has not given back. */
  private static final class CountingPacer implements PiecewiseStream.Pacer {
    final AtomicLong held = new AtomicLong();
    final java.util.concurrent.ConcurrentLinkedDeque<Long> pieces =
        new java.util.concurrent.ConcurrentLinkedDeque<>();

    @Override
    public boolean urgent() {
      return false;
    }

    @Override
    public void beforePiece(long bytes) {
      held.addAndGet(bytes);
      pieces.addLast(bytes);
    }

    @Override
    public void afterPiece(long bytes) {
      held.addAndGet(-pieces.pollFirst());
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(7).nextBytes(b);
    return b;
  }

  @Test
  void theNextPieceIsRequestedWhileThisOneIsRead() throws Exception {
    byte[] data = random(3 * PIECE + 1000);
    RecordingBlob blob = new RecordingBlob(data, 0);
    CountingPacer pacer = new CountingPacer();
    try (PiecewiseStream in = new PiecewiseStream(blob, 0, data.length, PIECE, pacer, ahead)) {
      byte[] first = in.readNBytes(1);
      waitFor(() -> blob.opened.size() == 2);
      assertArrayEquals(new long[] {PIECE, PIECE}, blob.opened.get(1),
          "the second piece, asked while the first is read");
      Thread.sleep(50);
      assertEquals(2, blob.opened.size(), "no more than two pieces ahead of the reader");
      byte[] rest = in.readAllBytes();
      byte[] all = new byte[first.length + rest.length];
      System.arraycopy(first, 0, all, 0, first.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      assertArrayEquals(data, all);
      assertEquals(4, in.requests());
    }
    assertEquals(0, pacer.held.get(), "every piece's budget is given back");
  }

  @Test
  void withoutAnExecutorEachPieceIsAskedOnceTheOneBeforeIsRead() throws Exception {
    byte[] data = random(2 * PIECE);
    RecordingBlob blob = new RecordingBlob(data, 0);
    try (PiecewiseStream in = new PiecewiseStream(blob, 0, data.length, PIECE, new CountingPacer(),
        null)) {
      in.readNBytes(PIECE - 1);
      assertEquals(1, blob.opened.size());
      assertArrayEquals(java.util.Arrays.copyOfRange(data, PIECE - 1, data.length),
          in.readAllBytes());
    }
  }

  @Test
  void closingWithAPieceRequestedAheadGivesItsBudgetBack() throws Exception {
    byte[] data = random(4 * PIECE);
    RecordingBlob blob = new RecordingBlob(data, 0);
    CountingPacer pacer = new CountingPacer();
    PiecewiseStream in = new PiecewiseStream(blob, 0, data.length, PIECE, pacer, ahead);
    in.readNBytes(10);
    waitFor(() -> blob.opened.size() == 2);
    in.close();
    waitFor(() -> pacer.held.get() == 0);
    assertEquals(2, blob.opened.size(), "nothing more is asked after close");
  }

  @Test
  void aPieceShorterThanAskedFailsTheStreamInsteadOfShiftingTheBytesAfterIt() throws Exception {
    byte[] data = random(2 * PIECE);
    RecordingBlob blob = new RecordingBlob(data, 100);
    try (PiecewiseStream in = new PiecewiseStream(blob, 0, data.length, PIECE, new CountingPacer(),
        ahead)) {
      EOFException e = assertThrows(EOFException.class, in::readAllBytes);
      assertTrue(e.getMessage().contains("100 bytes short"), e.getMessage());
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < until, "timed out");
      Thread.sleep(5);
    }
  }
}
