package org.stargzstore.estargz.writer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.stargzstore.types.Digest;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * Writes a layer as a sequence of independently compressed units (gzip members or zstd frames),
 * compressing units on several threads while keeping their order, in bounded memory.
 *
 * <p>The caller writes the uncompressed layer stream and marks where a new unit starts with
 * {@link #beginUnit}; the returned {@link Unit} learns its compressed offset once it has been
 * written (after {@link #flush()} at the latest), which is what a TOC records. Small units are
 * batched into one task; at most {@code inflightBudget} uncompressed bytes wait for compression.
 * A unit larger than {@code maxBufferedUnit} is not buffered: the writer drains everything before
 * it and compresses it as a stream on the calling thread, so memory stays bounded whatever the
 * chunk size or the length of a run of headers.
 *
 * <p>The writer also hashes the uncompressed stream (the layer's diffID) and counts both sides.
 * Not thread-safe: one producer thread.
 */
public final class ParallelFrameWriter implements Closeable {
  private static final int BATCH_BYTES = 1 << 20;

  private final OutputStream out;
  private final FrameCodec codec;
  private final ExecutorService pool;
  private final long inflightBudget;
  private final int maxBufferedUnit;
  private final MessageDigest diffId = Digest.newSha256();

  private long uncompressedSize;
  private long compressedSize;

  private Unit current;
  private byte[] buf;
  private int bufLen;
  private OutputStream streaming;

  private final List<Pending> batch = new ArrayList<>();
  private long batchBytes;
  private final ArrayDeque<Future<List<byte[]>>> inflight = new ArrayDeque<>();
  private final ArrayDeque<List<Pending>> inflightUnits = new ArrayDeque<>();
  private final ArrayDeque<Long> inflightSizes = new ArrayDeque<>();
  private long inflightBytes;

  /** A compressed unit's place in the blob, known once the unit has been written. */
  public static final class Unit {
    private long compressedOffset = -1;

    private Unit() {}

    /** Offset of the unit in the blob; only valid once written (after a flush). */
    public long compressedOffset() {
      if (compressedOffset < 0) {
        throw new IllegalStateException("unit not written yet (flush first)");
      }
      return compressedOffset;
    }
  }

  private record Pending(Unit unit, byte[] data, int length) {}

  /**
   * @param out where the blob goes (not closed by this writer)
   * @param threads compression threads; 1 compresses on the calling thread
   * @param inflightBudget uncompressed bytes that may wait for compression at once
   * @param maxBufferedUnit larger units are compressed as a stream on the calling thread
   */
  public ParallelFrameWriter(OutputStream out, FrameCodec codec, int threads, long inflightBudget,
      int maxBufferedUnit) {
    this.out = out;
    this.codec = codec;
    this.pool = threads <= 1 ? null : Executors.newFixedThreadPool(threads,
        DaemonThreadFactory.named("layer-compress"));
    this.inflightBudget = Math.max(inflightBudget, 1);
    this.maxBufferedUnit = Math.max(maxBufferedUnit, 4096);
    this.current = new Unit();
    this.buf = new byte[64 << 10];
  }

  /**
   * Ends the current unit (if it has any bytes) and starts a new one at the current position.
   *
   * @param sizeHint expected size of the new unit (to size its buffer), 0 if unknown
   */
  public Unit beginUnit(int sizeHint) throws IOException {
    if (bufLen == 0 && streaming == null) {
      if (sizeHint > buf.length && sizeHint <= maxBufferedUnit) {
        buf = new byte[sizeHint];
      }
      return current;
    }
    endUnit();
    current = new Unit();
    int want = Math.min(Math.max(sizeHint, 8 << 10), maxBufferedUnit);
    if (buf == null || buf.length < want) {
      buf = new byte[want];
    }
    return current;
  }

  public void write(byte[] b) throws IOException {
    write(b, 0, b.length);
  }

  /** Appends bytes of the uncompressed layer stream to the current unit. */
  public void write(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    diffId.update(b, off, len);
    uncompressedSize += len;
    if (streaming == null && (long) bufLen + len > maxBufferedUnit) {
      startStreaming();
    }
    if (streaming != null) {
      streaming.write(b, off, len);
      return;
    }
    if (bufLen + len > buf.length) {
      int want = (int) Math.min(maxBufferedUnit, Math.max((long) buf.length * 2, (long) bufLen + len));
      buf = java.util.Arrays.copyOf(buf, want);
    }
    System.arraycopy(b, off, buf, bufLen, len);
    bufLen += len;
  }

  private void startStreaming() throws IOException {
    submitBatch();
    drainAll();
    current.compressedOffset = compressedSize;
    streaming = codec.openUnit(new CountingSink());
    streaming.write(buf, 0, bufLen);
    bufLen = 0;
    buf = new byte[64 << 10];
  }

  private void endUnit() throws IOException {
    if (streaming != null) {
      streaming.close();
      streaming = null;
      return;
    }
    if (bufLen == 0) {
      return;
    }
    // Small units get an exact copy (their buffer is reused): the budget counts data bytes, so
    // a batch of tiny units must not hold a large buffer each.
    boolean copy = (long) bufLen * 2 < buf.length;
    batch.add(new Pending(current, copy ? java.util.Arrays.copyOf(buf, bufLen) : buf, bufLen));
    batchBytes += bufLen;
    if (!copy) {
      buf = null;
    }
    bufLen = 0;
    if (batchBytes >= BATCH_BYTES) {
      submitBatch();
    }
  }

  private void submitBatch() throws IOException {
    if (batch.isEmpty()) {
      return;
    }
    List<Pending> units = List.copyOf(batch);
    long size = batchBytes;
    batch.clear();
    batchBytes = 0;
    while (!inflight.isEmpty() && inflightBytes + size > inflightBudget) {
      writeHead();
    }
    Future<List<byte[]>> f = pool == null
        ? CompletableFuture.completedFuture(compress(units))
        : pool.submit(() -> compress(units));
    inflight.add(f);
    inflightUnits.add(units);
    inflightSizes.add(size);
    inflightBytes += size;
    while (!inflight.isEmpty() && inflight.peek().isDone()) {
      writeHead();
    }
  }

  private List<byte[]> compress(List<Pending> units) throws IOException {
    List<byte[]> frames = new ArrayList<>(units.size());
    FrameCodec.ByteSink sink = new FrameCodec.ByteSink(64 << 10);
    for (Pending p : units) {
      int start = sink.length();
      codec.compress(p.data(), 0, p.length(), sink);
      frames.add(java.util.Arrays.copyOfRange(sink.array(), start, sink.length()));
    }
    return frames;
  }

  private void writeHead() throws IOException {
    List<byte[]> frames;
    try {
      frames = inflight.poll().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while compressing");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw new IOException("compressing a layer unit failed: " + c, c);
    }
    List<Pending> units = inflightUnits.poll();
    inflightBytes -= inflightSizes.poll();
    for (int i = 0; i < frames.size(); i++) {
      units.get(i).unit().compressedOffset = compressedSize;
      out.write(frames.get(i));
      compressedSize += frames.get(i).length;
    }
  }

  private void drainAll() throws IOException {
    while (!inflight.isEmpty()) {
      writeHead();
    }
  }

  /**
   * Ends the current unit, writes every pending unit and resolves all offsets. Afterwards a new,
   * empty unit starts at {@link #compressedSize()}.
   */
  public void flush() throws IOException {
    boolean currentIsEmpty = bufLen == 0 && streaming == null;
    endUnit();
    submitBatch();
    drainAll();
    if (!currentIsEmpty) {
      current = new Unit();
    }
    // An empty unit has no frame: it starts where the next bytes of the blob will.
    current.compressedOffset = compressedSize;
    if (buf == null) {
      buf = new byte[64 << 10];
    }
  }

  /**
   * Writes bytes that are not part of the uncompressed stream (skippable frames, footers) after
   * flushing everything before them.
   */
  public void writeRaw(byte[] b) throws IOException {
    flush();
    out.write(b);
    compressedSize += b.length;
    current.compressedOffset = compressedSize;
  }

  /** Bytes written to the blob so far (exact after {@link #flush()}). */
  public long compressedSize() {
    return compressedSize;
  }

  /** Bytes of the uncompressed stream written so far. */
  public long uncompressedSize() {
    return uncompressedSize;
  }

  /** sha256 of the uncompressed stream so far (call once, at the end). */
  public Digest diffId() {
    return Digest.fromBytes(diffId.digest());
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  /** Passes a streamed unit through to the blob, counting its bytes. */
  private final class CountingSink extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      out.write(b);
      compressedSize++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      compressedSize += len;
    }
  }
}
