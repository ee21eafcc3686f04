package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.types.io.ByteRange;

/**
 * The stream bookkeeping of {@link ReadCoalescer} under heavy interleaving, with a blob in
 * memory whose streams deliver bytes slowly: readers that arrive while a stream is skipping
 * bytes in front of another reader (the window where a reader once attached inside the bytes
 * being dropped, and the stream then asked for a negative byte count) must still get exactly
 * their bytes. The network side is covered by {@link ReadCoalescingTest} against the real
 * registry; this one isolates the coalescer so the race is hit on every run.
 */
@IntegrationTest
class ReadCoalescerRaceTest {
  private static final byte[] DATA = TestImages.random(8 << 20, 5);

  /** A blob in memory whose streams hand out at most 4 KiB per call, after a short pause. */
  private static final class SlowMemoryFetcher implements ReadCoalescer.Fetcher {
    private final long pauseNanos;
    private final long fetchPauseNanos;
    volatile boolean streamOpened;
    final java.util.concurrent.atomic.AtomicInteger fetches =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger streams =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.CountDownLatch fetching = new java.util.concurrent.CountDownLatch(1);

    SlowMemoryFetcher() {
      this(20_000, 50_000);
    }

    SlowMemoryFetcher(long pauseNanos) {
      this(pauseNanos, 50_000);
    }

    SlowMemoryFetcher(long pauseNanos, long fetchPauseNanos) {
      this.pauseNanos = pauseNanos;
      this.fetchPauseNanos = fetchPauseNanos;
    }

    @Override
    public void fetch(long offset, byte[] dst, int dstOff, int length, Duration timeout) {
      fetches.incrementAndGet();
      fetching.countDown();
      LockSupport.parkNanos(fetchPauseNanos);
      System.arraycopy(DATA, (int) offset, dst, dstOff, length);
    }

    @Override
    public List<byte[]> fetchRanges(List<ByteRange> ranges, Duration timeout) {
      List<byte[]> out = new ArrayList<>();
      for (ByteRange r : ranges) {
        out.add(Arrays.copyOfRange(DATA, (int) r.offset(), (int) (r.offset() + r.length())));
      }
      return out;
    }

    @Override
    public ReadCoalescer.RangeStream openStream(long offset, long length, Duration timeout) {
      streams.incrementAndGet();
      streamOpened = true;
      return new ReadCoalescer.RangeStream() {
        long pos = offset;
        final long end = offset + length;

        @Override
        public int awaitBuffered(int max) throws IOException {
          if (max <= 0) {
            throw new IllegalArgumentException("asked for " + max + " bytes");
          }
          if (pos >= end) {
            throw new IOException("read past the stream");
          }
          LockSupport.parkNanos(pauseNanos);
          return (int) Math.min(Math.min(max, 4096), end - pos);
        }

        @Override
        public void take(byte[] dst, int off, int len) {
          System.arraycopy(DATA, (int) pos, dst, off, len);
          pos += len;
        }

        @Override
        public void drop(int len) {
          pos += len;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public long size() {
      return DATA.length;
    }
  }

  @Test
  void aStreamSkipsAnUnclaimedGapAfterOneGracePeriodNotOnePerStep() throws Exception {
    ExecutorService streams = Executors.newCachedThreadPool();
    ExecutorService readers = Executors.newSingleThreadExecutor();
    try {
      SlowMemoryFetcher fetcher = new SlowMemoryFetcher(100_000);
      ReadCoalescer coalescer = new ReadCoalescer(fetcher,
          new ReadCoalescer.Limits(2, 4 << 20, 64 << 10, 6 << 20), streams);
      byte[] first = new byte[1000];
      coalescer.read(0, first, 0, first.length, Duration.ofSeconds(30)); // direct
      // continues the last request: a read-ahead stream, slow enough for the next reader to
      // attach 3 MiB further on while it serves this one
      byte[] second = new byte[1 << 20];
      Future<?> streamed = readers.submit(() -> {
        coalescer.read(1000, second, 0, second.length, Duration.ofSeconds(30));
        return null;
      });
      long until = System.nanoTime() + 5_000_000_000L;
      while (!fetcher.streamOpened && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      long far = 1000 + (3L << 20);
      byte[] third = new byte[1000];
      coalescer.read(far, third, 0, third.length, Duration.ofSeconds(30));
      streamed.get();
      assertArrayEquals(Arrays.copyOfRange(DATA, 1000, 1000 + second.length), second);
      assertArrayEquals(Arrays.copyOfRange(DATA, (int) far, (int) far + 1000), third);
      // the 2 MiB nobody claimed are skipped after one wait (it used to wait 2 ms before each
      // step of the skip: 512 stalls here, 32 for an 8 MiB gap in 256 KiB steps)
      assertTrue(coalescer.graceExpiries() <= 2,
          "waited out the grace " + coalescer.graceExpiries() + " times");
    } finally {
      readers.shutdownNow();
      streams.shutdownNow();
    }
  }

  @Test
  void aReadThatContinuesADirectReadInFlightOpensOneStreamForWhatFollows() throws Exception {
    ExecutorService streams = Executors.newCachedThreadPool();
    ExecutorService readers = Executors.newFixedThreadPool(2);
    try {
      // the first read's request takes 300 ms: readers that started with it ask for the next
      // ranges meanwhile, as readers starting together (or a kernel's read-ahead) do
      // (streams hand out 4 KiB per millisecond: the third reader has 16 ms to attach)
      SlowMemoryFetcher fetcher = new SlowMemoryFetcher(1_000_000L, 300_000_000L);
      ReadCoalescer coalescer = new ReadCoalescer(fetcher,
          new ReadCoalescer.Limits(4, 4 << 20, 64 << 10, 4 << 20), streams);
      byte[] first = new byte[1 << 20];
      Future<?> direct = readers.submit(() -> {
        coalescer.read(0, first, 0, first.length, Duration.ofSeconds(30));
        return null;
      });
      fetcher.fetching.await();
      byte[] second = new byte[64 << 10];
      byte[] third = new byte[64 << 10];
      Future<?> streamed = readers.submit(() -> {
        coalescer.read(1 << 20, second, 0, second.length, Duration.ofSeconds(30));
        return null;
      });
      long until = System.nanoTime() + 5_000_000_000L;
      while (!fetcher.streamOpened && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      coalescer.read((1 << 20) + (64 << 10), third, 0, third.length, Duration.ofSeconds(30));
      streamed.get();
      direct.get();
      assertArrayEquals(Arrays.copyOfRange(DATA, 0, 1 << 20), first);
      assertArrayEquals(Arrays.copyOfRange(DATA, 1 << 20, (1 << 20) + (64 << 10)), second);
      assertArrayEquals(Arrays.copyOfRange(DATA, (1 << 20) + (64 << 10), (1 << 20) + (128 << 10)),
          third);
      // one direct request for the first read, one read-ahead stream for both others (they
      // used to be a direct request each: the registry's fixed cost per request, three times)
      org.junit.jupiter.api.Assertions.assertEquals(1, fetcher.fetches.get());
      org.junit.jupiter.api.Assertions.assertEquals(1, fetcher.streams.get());
    } finally {
      readers.shutdownNow();
      streams.shutdownNow();
    }
  }

  @RepeatedTest(3)
  void readersArrivingWhileAStreamSkipsGetExactlyTheirBytes() throws Exception {
    ExecutorService streams = Executors.newCachedThreadPool();
    ExecutorService readers = Executors.newFixedThreadPool(16);
    try {
      ReadCoalescer coalescer = new ReadCoalescer(new SlowMemoryFetcher(),
          new ReadCoalescer.Limits(2, 4 << 20, 64 << 10, 1 << 20), streams);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        long seed = t;
        done.add(readers.submit(() -> {
          Random rnd = new Random(seed);
          long off = rnd.nextInt(DATA.length / 2);
          for (int i = 0; i < 200; i++) {
            int len = 1 + rnd.nextInt(20_000);
            // mostly forward, with jumps, so streams are continued, skipped and attached to
            off = rnd.nextInt(4) == 0 ? rnd.nextInt(DATA.length - len)
                : Math.min(off + rnd.nextInt(30_000), DATA.length - len);
            byte[] dst = new byte[len + 2];
            coalescer.read(off, dst, 1, len, Duration.ofSeconds(30));
            assertArrayEquals(Arrays.copyOfRange(DATA, (int) off, (int) off + len),
                Arrays.copyOfRange(dst, 1, 1 + len), "read of " + len + " at " + off);
            off += len;
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      readers.shutdownNow();
      streams.shutdownNow();
    }
  }
}
