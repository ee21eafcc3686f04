package org.stargzstore.estargz.layer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.stargzstore.types.concurrent.DaemonThreadFactory;
import org.stargzstore.types.io.RangeSource;

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
    // a sink that takes staged chunks gets units over the threshold streamed; any other gets
    // them in memory (up to the array limit), as before
    LayerReader.StagedChunkSink staged =
        sink instanceof LayerReader.StagedChunkSink s ? s : null;
    long streamAbove = staged != null ? UnitStreamer.DEFAULT_STREAM_ABOVE : Long.MAX_VALUE / 4;
    List<Batch> batches = plan(units(layer.index().chunksInBlobOrder(), streamAbove));
    ExecutorService pool = Executors.newFixedThreadPool(parallelism,
        DaemonThreadFactory.named("layer-reader"));
    Deque<Future<List<Decoded>>> inFlight = new ArrayDeque<>();
    try {
      for (Batch b : batches) {
        inFlight.add(pool.submit(() -> b.streamed ? stream(b, staged) : decode(b)));
        while (inFlight.size() > parallelism * 2) {
          deliver(inFlight.poll(), sink);
        }
      }
      while (!inFlight.isEmpty()) {
        deliver(inFlight.poll(), sink);
      }
    } finally {
      pool.shutdownNow();
      if (!inFlight.isEmpty()) {
        discardStaged(pool, inFlight);
      }
    }
  }

  /** After a failure: deletes what the batches still queued staged (e.g. in the target dir). */
  private static void discardStaged(ExecutorService pool, Deque<Future<List<Decoded>>> left) {
    try {
      pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Future<List<Decoded>> f : left) {
      if (!f.isDone() || f.isCancelled()) {
        continue;
      }
      try {
        for (Decoded d : f.get()) {
          if (d.file != null) {
            Files.deleteIfExists(d.file);
          }
        }
      } catch (ExecutionException | InterruptedException | IOException e) {
        // failed batches delete their own files; this is best effort
      }
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
    for (int i = 0; i < done.size(); i++) {
      Decoded d = done.get(i);
      try {
        if (d.data != null) {
          sink.accept(d.chunk, d.data);
        } else {
          ((LayerReader.StagedChunkSink) sink).acceptStaged(d.chunk, d.file);
        }
      } finally {
        if (d.file != null) {
          Files.deleteIfExists(d.file);
        }
      }
    }
  }

  /**
   * Streams the one unit of {@code b} (too large for memory): each chunk decoded, hashed and
   * staged in a file of the sink's staging directory (or only hashed, if it has none).
   */
  private List<Decoded> stream(Batch b, LayerReader.StagedChunkSink sink) throws IOException {
    String blob = layer.blob();
    Unit u = b.units.get(0);
    List<Decoded> out = new ArrayList<>();
    IOException[] failed = {null};
    UnitStreamer.ChunkFiles files = new UnitStreamer.ChunkFiles() {
      @Override
      public Path create(Chunk c) throws IOException {
        Path dir = sink.stagingDirectory();
        return dir == null ? null : Files.createTempFile(dir, ".staged-chunk-", ".tmp");
      }

      @Override
      public void verified(Chunk c, Path file) {
        out.add(new Decoded(c, null, file));
      }

      @Override
      public void rejected(Chunk c, IOException why) {
        if (failed[0] == null) {
          failed[0] = why instanceof LayerFormatException lf && !(why
              instanceof org.stargzstore.estargz.ChunkDigestMismatchException)
              ? LayerReader.undecodable(blob, c, lf) : why;
        }
      }
    };
    try {
      if (u.zeros) {
        UnitStreamer.streamDecoded(UnitStreamer.zeros(u.chunks.get(0).size()), u.chunks, blob,
            files);
      } else {
        try (java.io.InputStream in = source.openStream(u.start, u.end - u.start)) {
          UnitStreamer.stream(in, layer.format().codec(), u.chunks, blob, files);
        }
      }
    } catch (IOException | RuntimeException e) {
      failed[0] = failed[0] != null ? failed[0] : e instanceof IOException io ? io
          : new IOException(e);
    }
    if (failed[0] != null) {
      for (Decoded d : out) {
        Files.deleteIfExists(d.file);
      }
      throw failed[0];
    }
    return out;
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
        out.add(new Decoded(c, data, null));
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
        out.add(new Decoded(c, data, null));
      }
    }
    return out;
  }

  /**
   * Groups chunks (in blob order) that share a compressed unit; zero chunks stand alone. Units
   * over {@code streamAbove} (see {@link UnitStreamer#tooLargeForMemory}) are marked to be
   * streamed; a unit too large for an array that is not is an error.
   */
  static List<Unit> units(List<Chunk> chunks, long streamAbove) throws LayerFormatException {
    List<Unit> units = new ArrayList<>();
    Unit cur = null;
    for (Chunk c : chunks) {
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
    for (Unit u : units) {
      long decoded = UnitStreamer.decodedLength(u.chunks);
      u.streamed = UnitStreamer.tooLargeForMemory(u.end - u.start, decoded, streamAbove);
      if (!u.streamed && (decoded > LayerReader.MAX_ARRAY || u.end - u.start > LayerReader.MAX_ARRAY)) {
        Chunk c = u.chunks.get(0);
        throw new LayerFormatException("(layer)", "chunk of '" + c.fileName() + "' at "
            + c.fileOffset() + " is " + c.size() + " bytes, too large to read into memory");
      }
    }
    return units;
  }

  /** Packs consecutive units into batches read with one request each. */
  static List<Batch> plan(List<Unit> units) {
    List<Batch> batches = new ArrayList<>();
    Batch cur = null;
    for (Unit u : units) {
      if (u.streamed) {
        Batch alone = new Batch(u.start, u.end);
        alone.streamed = true;
        alone.units.add(u);
        batches.add(alone);
        cur = null;
        continue;
      }
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
    /** Too large for memory: decoded as a stream and staged. */
    boolean streamed;

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
    /** One unit, streamed ({@link Unit#streamed}). */
    boolean streamed;
    final List<Unit> units = new ArrayList<>();

    Batch(long start, long end) {
      this.start = start;
      this.end = end;
    }
  }

  /** A verified chunk: its bytes in memory, or staged in a file (or only hashed: neither). */
  private record Decoded(Chunk chunk, byte[] data, Path file) {}
}
