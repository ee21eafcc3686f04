package org.stargzstore.fs.als;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.fetch.BoundedStream;

/**
 * The exact tar size of a containers/storage zstd:chunked layer that has no tar-split (podman
 * 4.3 and older push these): the compressor closes a zstd frame before and after every file's
 * payload, so the blob's data is payload frames, whose sizes the TOC states, and the frames
 * between them, which hold the tar headers, padding and end-of-archive blocks. The size is the
 * sum of the payloads plus the decompressed length of those gaps, which are fetched (nearby gaps
 * in one range request) and decompressed, never the payloads. A gap that does not end on a frame
 * boundary fails the decompression, so a layout other than the one assumed is an error, never a
 * wrong number.
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
  /** Two gaps at most this far apart are fetched in one request (the payload between skipped). */
  static final long COALESCE_BYTES = 64L << 10;

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
    long gapTar = 0;
    long fetched = 0;
    List<List<Range>> groups = coalesce(gaps);
    for (List<Range> group : groups) {
      long start = group.get(0).start();
      long end = group.get(group.size() - 1).end();
      fetched += end - start;
      try (InputStream in = blob.openStream(start, end - start)) {
        long pos = start;
        for (Range g : group) {
          in.skipNBytes(g.start() - pos);
          gapTar += decompressedLength(new BoundedStream(in, g.length()), g);
          pos = g.end();
        }
      }
    }
    return new Measured(payloadBytes + gapTar, new Cost(gapBytes, fetched, groups.size()));
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

  private static List<List<Range>> coalesce(List<Range> gaps) {
    List<List<Range>> groups = new ArrayList<>();
    List<Range> cur = null;
    for (Range g : gaps) {
      if (cur == null || g.start() - cur.get(cur.size() - 1).end() > COALESCE_BYTES) {
        cur = new ArrayList<>();
        groups.add(cur);
      }
      cur.add(g);
    }
    return groups;
  }

  private static long decompressedLength(BoundedStream frames, Range g) throws IOException {
    long n = 0;
    byte[] buf = new byte[64 << 10];
    try (ZstdInputStreamNoFinalizer z = new ZstdInputStreamNoFinalizer(frames)) {
      int r;
      while ((r = z.read(buf)) != -1) {
        n += r;
      }
    } catch (IOException e) {
      throw new IOException("the bytes [" + g.start() + ", " + g.end()
          + ") between file payloads are not whole zstd frames: " + e.getMessage(), e);
    }
    if (frames.remaining() > 0) {
      throw new IOException("the zstd frames in [" + g.start() + ", " + g.end() + ") end "
          + frames.remaining() + " bytes early");
    }
    return n;
  }
}
