package org.stargzstore.estargz.layer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.io.RangeSource;

/**
 * Reads every chunk of a layer in blob order: units are grouped into batches of neighbouring
 * compressed ranges (one read each), batches are fetched, decoded and verified on a small
 * thread pool, and results are handed over in order. A unit shared by several chunks is
 * decoded once.
 */
final class BulkChunkReader {
  /** Largest compressed range fetched in one read (a bigger single unit is read alone). */
  static final int BATCH_BYTES = 4 << 20;
  /** Gap between units (e.g. a skipped landmark) still worth reading through. */
  static final int MAX_GAP = 64 << 10;

  private final RangeSource source;
  private final OpenedLayer layer;
  private final int parallelism;

  BulkChunkReader(RangeSource source, OpenedLayer layer, int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1: " + parallelism);
    }
    this.source = source;
    this.layer = layer;
    this.parallelism = parallelism;
  }

  void run(LayerReader.ChunkSink sink) throws IOException {
    List<Batch> batches = plan(units(layer.index().chunksInBlobOrder()));
    ExecutorService pool = Executors.newFixedThreadPool(parallelism, r -> {
      Thread t = new Thread(r, "layer-reader");
      t.setDaemon(true);
      return t;
    });
    Deque<Future<List<Decoded>>> inFlight = new ArrayDeque<>();
    try {
      for (Batch b : batches) {
        inFlight.add(pool.submit(() -> decode(b)));
        while (inFlight.size() > parallelism * 2) {
          deliver(inFlight.poll(), sink);
        }
      }
      while (!inFlight.isEmpty()) {
        deliver(inFlight.poll(), sink);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void deliver(Future<List<Decoded>> f, LayerReader.ChunkSink sink)
      throws IOException {
    List<Decoded> done;
    try {
      done = f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading a layer");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(c);
    }
    for (Decoded d : done) {
      sink.accept(d.chunk, d.data);
    }
  }

  private List<Decoded> decode(Batch b) throws IOException {
    String blob = layer.blob();
    byte[] bytes = b.end > b.start ? source.read(b.start, (int) (b.end - b.start)) : null;
    ChunkCodec codec = layer.format().codec();
    List<Decoded> out = new ArrayList<>();
    for (Unit u : b.units) {
      if (u.zeros) {
        Chunk c = u.chunks.get(0);
        byte[] data = new byte[(int) c.size()];
        ChunkVerifier.verify(blob, c, data);
        out.add(new Decoded(c, data));
        continue;
      }
      long prefix = 0;
      for (Chunk c : u.chunks) {
        prefix = Math.max(prefix, c.innerOffset() + c.size());
      }
      if (prefix > LayerReader.MAX_ARRAY) {
        throw new LayerFormatException(blob, "the unit at " + u.start + " decodes to " + prefix
            + " bytes, too large to hold in memory");
      }
      byte[] plain;
      try {
        plain = codec.decodePrefix(bytes, (int) (u.start - b.start), (int) (u.end - u.start),
            (int) prefix, blob);
      } catch (LayerFormatException e) {
        throw LayerReader.undecodable(blob, u.chunks.get(0), e);
      }
      for (Chunk c : u.chunks) {
        byte[] data = c.innerOffset() == 0 && c.size() == plain.length ? plain
            : Arrays.copyOfRange(plain, (int) c.innerOffset(), (int) (c.innerOffset() + c.size()));
        ChunkVerifier.verify(blob, c, data);
        out.add(new Decoded(c, data));
      }
    }
    return out;
  }

  /** Groups chunks (in blob order) that share a compressed unit; zero chunks stand alone. */
  static List<Unit> units(List<Chunk> chunks) throws LayerFormatException {
    List<Unit> units = new ArrayList<>();
    Unit cur = null;
    for (Chunk c : chunks) {
      if (c.size() > LayerReader.MAX_ARRAY) {
        throw new LayerFormatException("(layer)", "chunk of '" + c.fileName() + "' at "
            + c.fileOffset() + " is " + c.size() + " bytes, too large to read into memory");
      }
      if (c.zeros()) {
        units.add(new Unit(c.compressedOffset(), c.compressedOffset(), true, List.of(c)));
        continue;
      }
      if (cur != null && cur.start == c.compressedOffset()) {
        cur.add(c);
        continue;
      }
      cur = new Unit(c.compressedOffset(), c.compressedEnd(), false, new ArrayList<>(List.of(c)));
      units.add(cur);
    }
    return units;
  }

  /** Packs consecutive units into batches read with one request each. */
  static List<Batch> plan(List<Unit> units) {
    List<Batch> batches = new ArrayList<>();
    Batch cur = null;
    for (Unit u : units) {
      if (u.zeros) {
        if (cur == null) {
          cur = new Batch(0, 0);
          batches.add(cur);
        }
        cur.units.add(u);
        continue;
      }
      boolean fits = cur != null && cur.end > cur.start && u.start >= cur.end
          && u.start - cur.end <= MAX_GAP && u.end - cur.start <= BATCH_BYTES;
      boolean emptyBatch = cur != null && cur.end == cur.start;
      if (fits) {
        cur.end = u.end;
      } else if (emptyBatch) {
        cur.start = u.start;
        cur.end = u.end;
      } else {
        cur = new Batch(u.start, u.end);
        batches.add(cur);
      }
      cur.units.add(u);
    }
    return batches;
  }

  /** Chunks decoded from one compressed unit. */
  static final class Unit {
    final long start;
    long end;
    final boolean zeros;
    final List<Chunk> chunks;

    Unit(long start, long end, boolean zeros, List<Chunk> chunks) {
      this.start = start;
      this.end = end;
      this.zeros = zeros;
      this.chunks = chunks;
    }

    void add(Chunk c) {
      chunks.add(c);
      end = Math.max(end, c.compressedEnd());
    }
  }

  /** One read: a compressed range and the units in it. */
  static final class Batch {
    long start;
    long end;
    final List<Unit> units = new ArrayList<>();

    Batch(long start, long end) {
      this.start = start;
      this.end = end;
    }
  }

  private record Decoded(Chunk chunk, byte[] data) {}
}
