package org.stargzstore.zstdchunked.writer;

import java.io.IOException;

/**
 * Cuts one file's content into chunks exactly as containers/storage's zstd:chunked writer
 * ({@code pkg/chunked/compressor}: {@code holesFinder} and {@code rollingChecksumReader}) does,
 * fed incrementally so files of any size stream through:
 *
 * <ul>
 *   <li>a maximal run of at least {@value #HOLE_THRESHOLD} zero bytes is a chunk of its own, of
 *       type zeros; the rolling checksum absorbs it without looking for split points;</li>
 *   <li>every other byte (shorter zero runs included) goes through the {@link RollSum}, and a
 *       data chunk ends after each byte at which it signals a split;</li>
 *   <li>in addition, and unlike containers/storage, a data chunk never exceeds
 *       {@code maxDataChunk} bytes: without that, content on which the checksum never fires
 *       (long runs of one non-zero byte) would become one huge chunk. With random data a split
 *       that late has a probability of about e<sup>-64</sup> at 4 MiB, so normal files chunk
 *       exactly as containers/storage chunks them.</li>
 * </ul>
 *
 * <p>The listener receives the content in as few calls as possible: one per chunk and input
 * buffer, not one per run of bytes.
 */
final class ContentChunker {
  static final int HOLE_THRESHOLD = 1 << 10;
  private static final byte[] ZEROS = new byte[HOLE_THRESHOLD];

  /** Receives the content in order, with the chunk boundaries. */
  interface Listener {
    /** The next content bytes; they belong to the current chunk. */
    void bytes(byte[] b, int off, int len) throws IOException;

    /** The current chunk ends here ({@code zeros}: it was a run of zeros). */
    void endChunk(boolean zeros) throws IOException;
  }

  private final Listener listener;
  private final long maxDataChunk;
  private final RollSum rollSum = new RollSum();
  /** Zeros at the end of the previous buffer, not yet known to be data or a hole; not emitted. */
  private int carriedZeros;
  private boolean inHole;
  private long holeLength;
  private long chunkLength;
  private byte[] buf;
  private int emitFrom;

  ContentChunker(Listener listener, long maxDataChunk) {
    this.listener = listener;
    this.maxDataChunk = maxDataChunk;
  }

  /** Feeds the next content bytes. */
  void feed(byte[] b, int off, int len) throws IOException {
    buf = b;
    emitFrom = off;
    int end = off + len;
    int i = off;
    while (i < end) {
      if (inHole) {
        int j = zeroRunEnd(b, i, end);
        if (j > i) {
          listener.bytes(b, i, j - i);
          holeLength += j - i;
        }
        i = j;
        emitFrom = i;
        if (i < end) {
          endHole();
        }
        continue;
      }
      if (b[i] == 0) {
        int j = zeroRunEnd(b, i, end);
        long run = (long) carriedZeros + (j - i);
        if (run >= HOLE_THRESHOLD) {
          emitData(i);
          if (chunkLength > 0) {
            endDataChunk();
          }
          inHole = true;
          holeLength = run;
          if (carriedZeros > 0) {
            listener.bytes(ZEROS, 0, carriedZeros);
            carriedZeros = 0;
          }
          listener.bytes(b, i, j - i);
          i = j;
          emitFrom = i;
          continue;
        }
        if (j == end) {
          // The run may go on in the next buffer: decide then.
          emitData(i);
          carriedZeros = (int) run;
          emitFrom = end;
          return;
        }
        rollCarriedZeros();
        rollData(b, i, j);
        i = j;
        continue;
      }
      rollCarriedZeros();
      int k = i;
      while (k < end && b[k] != 0) {
        k++;
      }
      rollData(b, i, k);
      i = k;
    }
    emitData(end);
  }

  /** The file's content is complete: ends the last chunk. */
  void finish() throws IOException {
    if (inHole) {
      endHole();
    }
    rollCarriedZeros();
    if (chunkLength > 0) {
      endDataChunk();
    }
  }

  private static int zeroRunEnd(byte[] b, int i, int end) {
    while (i < end && b[i] == 0) {
      i++;
    }
    return i;
  }

  /** Rolls data bytes {@code b[from, to)}, ending chunks where the checksum (or the cap) says. */
  private void rollData(byte[] b, int from, int to) throws IOException {
    int p = from;
    while (p < to) {
      int limit = (int) Math.min(to, p + (maxDataChunk - chunkLength));
      int q = rollSum.rollUntilSplit(b, p, limit);
      boolean split = q >= 0;
      if (!split) {
        q = ~q;
      }
      chunkLength += q - p;
      if (split || chunkLength == maxDataChunk) {
        emitData(q);
        endDataChunk();
      }
      p = q;
    }
  }

  /** Zeros carried over from the previous buffer turned out to be data (a run too short). */
  private void rollCarriedZeros() throws IOException {
    int piece = 0;
    while (carriedZeros > 0) {
      carriedZeros--;
      piece++;
      chunkLength++;
      if (rollSum.roll((byte) 0) | chunkLength == maxDataChunk) {
        listener.bytes(ZEROS, 0, piece);
        piece = 0;
        endDataChunk();
      }
    }
    if (piece > 0) {
      listener.bytes(ZEROS, 0, piece);
    }
  }

  private void emitData(int upTo) throws IOException {
    if (upTo > emitFrom) {
      listener.bytes(buf, emitFrom, upTo - emitFrom);
      emitFrom = upTo;
    }
  }

  private void endHole() throws IOException {
    rollSum.rollZeros(holeLength);
    inHole = false;
    holeLength = 0;
    listener.endChunk(true);
  }

  private void endDataChunk() throws IOException {
    chunkLength = 0;
    listener.endChunk(false);
  }
}
