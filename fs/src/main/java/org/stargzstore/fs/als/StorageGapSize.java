package org.stargzstore.fs.als;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.types.concurrent.DaemonThreadFactory;
import org.stargzstore.types.io.ByteRange;
import org.stargzstore.zstdchunked.ZstdFrameLength;

/**
 * The exact tar size of a containers/storage zstd:chunked layer that has no tar-split (podman
 * 4.3 and older push these): the compressor closes a zstd frame before and after every file's
 * payload, so the blob's data is payload frames, whose sizes the TOC states, and the frames
 * between them, which hold the tar headers, padding and end-of-archive blocks. The size is the
 * sum of the payloads plus the decompressed length of those gaps, which are fetched and
 * decompressed, never the payloads. A gap that does not end on a frame boundary fails the
 * decompression, so a layout other than the one assumed is an error, never a wrong number.
 *
 * <p>podman 4.x waits for this number (it reads the {@code info} file when it looks the layer
 * up), so the fetch is made for latency: after a first request of {@value #PROBE_RANGES} gaps
 * (a few hundred bytes each, one per file), which finds out whether the registry takes several
 * ranges per request, the rest go {@value #RANGES_PER_BATCH} to a multi-range request (the
 * registry client's cap), {@value #PARALLEL} requests at a time: two round trips for a layer
 * of up to a couple of thousand files. On a 50 Mbit/s + 25 ms link a 1,400-file layer took
 * 10.4 s with one request after the other for gaps merged across 64 KiB of payload (74
 * requests, 10 MB), and takes 0.7-0.8 s this way, most of it the registry's time per range
 * (docs/benchmarks.md). A registry that refuses several ranges per request gets the gaps merged
 * across up to {@value #COALESCE_BYTES} bytes of payload instead, as parallel streams.
 *
 * <p>Costs are capped: if the gaps are more than {@value #MAX_GAP_SHARE_PERCENT}% of the data and
 * more than {@value #FREE_GAP_BYTES} bytes, or more than {@value #MAX_GAP_BYTES} bytes in all,
 * the size is not measured.
 */
final class StorageGapSize {
  /** Gaps up to this many compressed bytes are always measured (small layers, many files). */
  static final long FREE_GAP_BYTES = 1L << 20;
  /** Beyond {@link #FREE_GAP_BYTES}, gaps may be at most this share of the blob's data. */
  static final int MAX_GAP_SHARE_PERCENT = 10;
  /** Never more than this many compressed bytes of gaps. */
  static final long MAX_GAP_BYTES = 64L << 20;
  /**
   * Without multi-range requests, two gaps at most this far apart are fetched in one request
   * (the payload between read and skipped).
   */
  static final long COALESCE_BYTES = 64L << 10;
  /**
   * With multi-range requests, gaps this close are still one range: each range part costs the
   * registry a reopen and a buffered read (distribution's filesystem driver: ~0.4 ms, a 4 MiB
   * read-ahead, on a 2-core machine), about what 2 KiB cost on a 50 Mbit/s link. Measured with
   * podman 4.3.1's Python layer (1,275 gaps): 0.8 instead of 0.25 MB, the measurement 1.41 instead
   * of 1.79 s, the start 2.63 instead of 2.83 s (docs/benchmarks.md).
   */
  static final long MERGE_BYTES = 2048;
  /** Ranges per multi-range request at most (the registry client's own cap, RegistryBlob's). */
  static final int RANGES_PER_BATCH = 128;
  /** Ranges asked in the first request, which finds out whether the registry takes several. */
  static final int PROBE_RANGES = 8;
  /** A merged range longer than this is streamed on its own rather than held in a batch. */
  static final long MAX_BATCHED_RANGE = 256L << 10;
  /** Bytes of one batch held in memory: at most {@value #PARALLEL} times this at once. */
  static final long MAX_BATCH_BYTES = 1L << 20;
  /** Requests of one measurement at a time. */
  static final int PARALLEL = 12;

  /** The layer's layout is not one this measurement understands, or it would cost too much. */
  static final class RefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    RefusedException(String message) {
      super(message, null, false, false);
    }
  }

  private record Range(long start, long end) {
    long length() {
      return end - start;
    }
  }

  /** What a measurement cost: compressed gap bytes, bytes fetched, requests. */
  record Cost(long gapBytes, long fetchedBytes, int requests) {}

  /** The result: the tar's size and what it cost. */
  record Measured(long size, Cost cost) {}

  private StorageGapSize() {}

  static Measured measure(LayerIndex index, BlobSource blob)
      throws IOException, RefusedException {
    long dataEnd = index.tocOffset();
    // a zero chunk's frame starts where the TOC says, possibly inside the range the index gives
    // the data chunk before it (a reader only needs that range's first bytes): every chunk's
    // offset ends a payload frame
    long[] starts = index.chunksInBlobOrder().stream().mapToLong(Chunk::compressedOffset)
        .distinct().sorted().toArray();
    List<Range> payloads = new ArrayList<>();
    long payloadBytes = 0;
    Chunk prev = null;
    for (Chunk c : index.chunksInBlobOrder()) {
      if (c.zeros()) {
        continue; // its frame lies in a gap and is counted there
      }
      if (c.innerOffset() != 0) {
        throw new RefusedException("a chunk of " + c.fileName() + " shares a zstd frame");
      }
      if (prev != null && c.compressedOffset() == prev.compressedOffset()) {
        if (c.compressedEnd() == prev.compressedEnd() && c.size() == prev.size()
            && c.digest().equals(prev.digest())) {
          continue; // the same frame listed twice
        }
        throw new RefusedException("chunks of " + prev.fileName() + " and " + c.fileName()
            + " share a zstd frame");
      }
      if (!payloads.isEmpty() && c.compressedOffset() < payloads.get(payloads.size() - 1).end()) {
        throw new RefusedException("the frames of " + prev.fileName() + " and " + c.fileName()
            + " overlap");
      }
      int next = java.util.Arrays.binarySearch(starts, c.compressedOffset()) + 1;
      long end = next < starts.length ? Math.min(c.compressedEnd(), starts[next])
          : c.compressedEnd();
      payloads.add(new Range(c.compressedOffset(), end));
      payloadBytes += c.size();
      prev = c;
    }
    List<Range> gaps = gaps(payloads, dataEnd);
    long gapBytes = gaps.stream().mapToLong(Range::length).sum();
    long allowed = Math.min(MAX_GAP_BYTES,
        Math.max(FREE_GAP_BYTES, dataEnd / 100 * MAX_GAP_SHARE_PERCENT));
    if (gapBytes > allowed) {
      throw new RefusedException("measuring it would fetch " + gapBytes
          + " bytes of tar headers (at most " + allowed + " allowed)");
    }
    GapFetch fetch = new GapFetch(blob);
    long gapTar = fetch.decompressedLength(gaps);
    return new Measured(payloadBytes + gapTar, new Cost(gapBytes, fetch.fetched.get(),
        fetch.requests.get()));
  }

  /** Fetches gaps in parallel requests and sums their decompressed lengths. */
  private static final class GapFetch {
    private final BlobSource blob;
    private final AtomicLong fetched = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();

    GapFetch(BlobSource blob) {
      this.blob = blob;
    }

    long decompressedLength(List<Range> gaps) throws IOException {
      List<List<Range>> fine = coalesce(gaps, MERGE_BYTES);
      int probe = Math.min(PROBE_RANGES, fine.size());
      List<List<Range>> streamed = new ArrayList<>();
      List<List<Range>> first = new ArrayList<>();
      // the first few ranges on the caller's thread: if the registry refuses several ranges
      // per request, the rest is merged coarsely rather than asked one small range at a time
      for (List<Range> g : fine.subList(0, probe)) {
        (span(g) > MAX_BATCHED_RANGE ? streamed : first).add(g);
      }
      long total = batch(first);
      List<Callable<Long>> work = new ArrayList<>();
      if (blob.severalRangesPerRequest()) {
        List<List<Range>> rest = new ArrayList<>();
        for (List<Range> g : fine.subList(probe, fine.size())) {
          (span(g) > MAX_BATCHED_RANGE ? streamed : rest).add(g);
        }
        for (List<List<Range>> b : batches(rest)) {
          work.add(() -> batch(b));
        }
      } else {
        List<Range> rest = new ArrayList<>();
        fine.subList(probe, fine.size()).forEach(rest::addAll);
        streamed.addAll(coalesce(rest, COALESCE_BYTES));
      }
      for (List<Range> g : streamed) {
        work.add(() -> stream(g));
      }
      return total + runAll(work);
    }

    /**
     * Consecutive groups in batches of at most {@value #RANGES_PER_BATCH} ranges and
     * {@value #MAX_BATCH_BYTES} bytes (held in memory until decompressed).
     */
    private static List<List<List<Range>>> batches(List<List<Range>> groups) {
      List<List<List<Range>>> out = new ArrayList<>();
      List<List<Range>> cur = new ArrayList<>();
      long bytes = 0;
      for (List<Range> g : groups) {
        if (!cur.isEmpty()
            && (cur.size() == RANGES_PER_BATCH || bytes + span(g) > MAX_BATCH_BYTES)) {
          out.add(cur);
          cur = new ArrayList<>();
          bytes = 0;
        }
        cur.add(g);
        bytes += span(g);
      }
      if (!cur.isEmpty()) {
        out.add(cur);
      }
      return out;
    }

    private static long runAll(List<Callable<Long>> work) throws IOException {
      if (work.isEmpty()) {
        return 0;
      }
      ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL, work.size()),
          DaemonThreadFactory.numbered("tar-size"));
      try {
        long total = 0;
        for (Future<Long> f : pool.invokeAll(work)) {
          total += f.get();
        }
        return total;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while measuring the tar size");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException("measuring the tar size failed: " + e.getCause(), e.getCause());
      } finally {
        pool.shutdownNow();
      }
    }

    /** Several merged ranges, in one multi-range request where the registry allows it. */
    private long batch(List<List<Range>> groups) throws IOException {
      if (groups.isEmpty()) {
        return 0;
      }
      List<ByteRange> spans = new ArrayList<>(groups.size());
      for (List<Range> g : groups) {
        long start = g.get(0).start();
        spans.add(new ByteRange(start, Math.toIntExact(span(g))));
        fetched.addAndGet(span(g));
      }
      requests.incrementAndGet();
      List<byte[]> data = blob.readRanges(spans);
      long n = 0;
      try (ZstdFrameLength frames = new ZstdFrameLength()) {
        for (int i = 0; i < groups.size(); i++) {
          n += decompressGroup(new java.io.ByteArrayInputStream(data.get(i)), groups.get(i),
              frames);
        }
      }
      return n;
    }

    /** One merged range as a stream (long ones, or gaps merged across payloads). */
    private long stream(List<Range> group) throws IOException {
      long start = group.get(0).start();
      fetched.addAndGet(span(group));
      requests.incrementAndGet();
      try (InputStream in = blob.openStream(start, span(group));
          ZstdFrameLength frames = new ZstdFrameLength()) {
        return decompressGroup(in, group, frames);
      }
    }

    private static long span(List<Range> group) {
      return group.get(group.size() - 1).end() - group.get(0).start();
    }

    /** The gaps of {@code group}, read from {@code in} positioned at the group's start. */
    private static long decompressGroup(InputStream in, List<Range> group,
        ZstdFrameLength frames) throws IOException {
      long n = 0;
      long pos = group.get(0).start();
      for (Range g : group) {
        in.skipNBytes(g.start() - pos);
        n += StorageGapSize.decompressedLength(in, g, frames);
        pos = g.end();
      }
      return n;
    }
  }

  private static List<Range> gaps(List<Range> payloads, long dataEnd)
      throws RefusedException {
    List<Range> gaps = new ArrayList<>();
    long pos = 0;
    for (Range p : payloads) {
      if (p.end() > dataEnd) {
        throw new RefusedException("a payload frame ends past the file data");
      }
      if (p.start() > pos) {
        gaps.add(new Range(pos, p.start()));
      }
      pos = p.end();
    }
    if (dataEnd > pos) {
      gaps.add(new Range(pos, dataEnd));
    }
    return gaps;
  }

  /** Gaps in order, grouped where the payload between two is at most {@code within} bytes. */
  private static List<List<Range>> coalesce(List<Range> gaps, long within) {
    List<List<Range>> groups = new ArrayList<>();
    List<Range> cur = null;
    for (Range g : gaps) {
      if (cur == null || g.start() - cur.get(cur.size() - 1).end() > within) {
        cur = new ArrayList<>();
        groups.add(cur);
      }
      cur.add(g);
    }
    return groups;
  }

  private static long decompressedLength(InputStream in, Range g, ZstdFrameLength frames)
      throws IOException {
    try {
      return frames.of(in, g.length());
    } catch (ZstdFrameLength.NotWholeFramesException e) {
      throw new IOException("the bytes [" + g.start() + ", " + g.end()
          + ") between file payloads are not whole zstd frames: " + e.getMessage(), e);
    }
  }
}
