package org.stargzstore.fs.fetch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.estargz.ChunkDigestMismatchException;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.ChunkCodec;
import org.stargzstore.estargz.layer.ChunkVerifier;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.layer.UnitStreamer;
import org.stargzstore.types.Digest;

/**
 * Runs one layer's fetch jobs: the range request (one for a reader or a prediction, paced pieces
 * for the background), then per unit as it arrives decode, verify against the TOC digest, cache,
 * and wake the chunk's waiters; and the counting of all of it in {@link FetchStats}. The one
 * place a fetched chunk is verified and stored: a chunk that fails is never cached, its waiters
 * get the error and the log says why.
 */
final class FetchJobRunner {
  /** The fetcher's logger, as before the fetcher was split: log settings naming it still work. */
  private static final Logger LOG = Logger.getLogger(LayerFetcher.class.getName());

  private final String name;
  private final LayerIndex index;
  private final BlobSource blob;
  private final ChunkCodec codec;
  private final FetchContext ctx;
  private final FetchPolicy policy;
  private final FetchStats stats;
  private final StartTimeline timeline;
  private volatile boolean closed;
  private volatile Consumer<String> sharedObjectListener;

  FetchJobRunner(String name, LayerIndex index, BlobSource blob, ChunkCodec codec,
      FetchContext ctx, FetchPolicy policy, FetchStats stats, StartTimeline timeline) {
    this.name = name;
    this.index = index;
    this.blob = blob;
    this.codec = codec;
    this.ctx = ctx;
    this.policy = policy;
    this.stats = stats;
    this.timeline = timeline;
  }

  /**
   * Runs a reader's or a prediction's job on the demand pool (or on this thread when the pool is
   * full); a reader's job holds the background back while it runs.
   */
  void submit(FetchJob job) {
    ctx.gate().noteActivity();
    boolean holdsBackground = job.reason.isDemand();
    if (holdsBackground) {
      ctx.gate().enter();
    }
    try {
      ctx.demandPool().execute(() -> {
        try {
          run(job);
        } finally {
          if (holdsBackground) {
            ctx.gate().leave();
          }
        }
      });
    } catch (RuntimeException e) {
      if (holdsBackground) {
        ctx.gate().leave();
      }
      failAll(job, new IOException(name + ": cannot schedule a fetch: " + e, e));
    }
  }

  /**
   * Runs one job on this thread (a background job on a scheduler thread): the request, and the
   * claimed chunks of each unit delivered as it arrives. Never throws: a failure fails the
   * job's claims.
   */
  void run(FetchJob job) {
    if (!job.background) {
      stats.requests.incrementAndGet();
      if (job.reason.isDemand()) {
        stats.demandFetches.incrementAndGet();
      }
    }
    LOG.fine(() -> name + ": " + job.reason.label() + ", bytes " + job.start() + "-" + job.end()
        + " (" + job.units.size() + " units, first for '"
        + job.units.get(0).chunks().get(0).fileName() + "')");
    timeline.requestStarted(job.reason);
    long pos = job.start();
    int unitNo = 0;
    // noted when the response is in, before its readers wake, so a phase never ends after them
    AtomicBoolean endNoted = new AtomicBoolean();
    Runnable noteEnd = () -> {
      if (endNoted.compareAndSet(false, true)) {
        timeline.requestEnded(job.reason);
      }
    };
    try (InputStream in = job.background
        ? new PiecewiseStream(blob, job.start(), job.end(), policy.backgroundRequestBytes(),
            backgroundPacer(job), ctx.pieceAhead())
        : blob.openStream(job.start(), job.end() - job.start())) {
      if (job.onResponse != null) {
        job.onResponse.run();
      }
      for (Unit u : job.units) {
        if (closed) {
          throw new IOException(name + ": layer closed");
        }
        in.skipNBytes(u.offset() - pos);
        Runnable beforeDelivery = unitNo == job.units.size() - 1 ? noteEnd : () -> { };
        if (UnitStreamer.tooLargeForMemory(u.length(), UnitStreamer.decodedLength(u.chunks()),
            ctx.cache().streamAboveBytes())) {
          BoundedStream unit = new BoundedStream(in, u.length());
          deliverStreamed(job, u, unit, beforeDelivery);
          unit.skipRest();
          if (unit.remaining() > 0) {
            throw new EOFException(blob.describe() + ": blob ended at " + (u.end()
                - unit.remaining()) + ", before the end of a chunk at " + u.end());
          }
        } else {
          byte[] buf = new byte[(int) u.length()]; // exact: readNBytes(n) would copy twice
          int got = in.readNBytes(buf, 0, buf.length);
          if (got != u.length()) {
            throw new EOFException(blob.describe() + ": blob ended at " + (u.offset() + got)
                + ", before the end of a chunk at " + u.end());
          }
          beforeDelivery.run();
          deliver(job, u, buf);
        }
        stats.addBytes(job.reasonOf(unitNo++), u.end() - pos);
        pos = u.end();
      }
      if (in instanceof PiecewiseStream ps) {
        stats.requests.addAndGet(ps.requests());
      }
      failAll(job, new IOException(name + ": internal error: chunks claimed but not delivered"));
    } catch (IOException e) {
      stats.fetchErrors.incrementAndGet();
      LOG.warning(() -> name + ": fetching bytes " + job.start() + "-" + job.end() + " failed: " + e);
      failAll(job, e);
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, name + ": internal error while fetching", e);
      failAll(job, new IOException(name + ": internal error: " + e, e));
    } finally {
      noteEnd.run();
    }
  }

  /**
   * Paces a background job: before each piece, waits for demand to end (with
   * {@code yield_to_demand}) and for room in the background byte budget; not at all once a
   * reader waits for the job.
   */
  private PiecewiseStream.Pacer backgroundPacer(FetchJob job) {
    return new PiecewiseStream.Pacer() {
      /**
       * Budget held per requested piece, in request order (the piece being read and the one
       * requested ahead of it); 0 for a piece sent while urgent.
       */
      private final java.util.concurrent.ConcurrentLinkedDeque<Long> held =
          new java.util.concurrent.ConcurrentLinkedDeque<>();

      @Override
      public boolean urgent() {
        return job.urgent;
      }

      @Override
      public void beforePiece(long bytes) throws InterruptedException {
        if (job.urgent) {
          held.addLast(0L);
          return;
        }
        if (policy.yieldToDemand()) {
          ctx.gate().awaitNoDemand(job);
        }
        ctx.backgroundBudget().acquire(bytes);
        held.addLast(bytes);
      }

      @Override
      public void afterPiece(long bytes) {
        Long h = held.pollFirst();
        if (h != null && h > 0) {
          ctx.backgroundBudget().release(h);
        }
      }
    };
  }

  /** Decodes, verifies and caches the claimed chunks of a unit held in memory. */
  private void deliver(FetchJob job, Unit u, byte[] buf) {
    SharedObjectNotice notice = new SharedObjectNotice();
    for (Chunk c : u.chunks()) {
      InFlightChunks.Claim cl = job.owned.remove(c.digest());
      if (cl == null) {
        continue;
      }
      try {
        byte[] data = codec.decode(buf, 0, buf.length, c, blob.describe());
        ChunkVerifier.verify(blob.describe(), c, data);
        ctx.cache().put(c, data, job.reason.keepsInMemory());
        delivered(job, c, cl, notice);
      } catch (IOException | RuntimeException e) {
        notDelivered(u, c, cl, e);
      }
    }
  }

  /**
   * Delivers the claimed chunks of a unit too large for memory: decoded as a stream from the
   * response, each chunk written to a temp file in the store while hashed, moved into the store
   * only if it verifies. Readers wait for the chunk as for any other in flight;
   * {@code beforeLastDelivery} runs before the last verified chunk wakes its readers.
   */
  private void deliverStreamed(FetchJob job, Unit u, InputStream unit,
      Runnable beforeLastDelivery) throws IOException {
    List<Chunk> mine = new ArrayList<>();
    Map<Chunk, InFlightChunks.Claim> claims = new HashMap<>();
    for (Chunk c : u.chunks()) {
      InFlightChunks.Claim cl = job.owned.remove(c.digest());
      if (cl != null) {
        mine.add(c);
        claims.put(c, cl);
      }
    }
    if (mine.isEmpty()) {
      return;
    }
    Chunk lastChunk = mine.get(mine.size() - 1);
    SharedObjectNotice notice = new SharedObjectNotice();
    LOG.fine(() -> name + ": streaming a unit of " + u.length() + " bytes (" + mine.size()
        + " chunk(s) of '" + mine.get(0).fileName() + "') through the store");
    UnitStreamer.stream(unit, codec, mine, blob.describe(), new UnitStreamer.ChunkFiles() {
      @Override
      public Path create(Chunk c) throws IOException {
        return ctx.cache().store().newTempFile();
      }

      @Override
      public void verified(Chunk c, Path file) {
        try {
          ctx.cache().putVerifiedFile(c, file);
          if (c == lastChunk) {
            beforeLastDelivery.run();
          }
          delivered(job, c, claims.get(c), notice);
        } catch (IOException | RuntimeException e) {
          notDelivered(u, c, claims.get(c), e);
        }
      }

      @Override
      public void rejected(Chunk c, IOException why) {
        notDelivered(u, c, claims.get(c), why);
      }
    });
  }

  /** A verified chunk is cached: its waiters go on; a container's shared object is noted. */
  private void delivered(FetchJob job, Chunk c, InFlightChunks.Claim cl,
      SharedObjectNotice notice) {
    stats.chunksFetched.incrementAndGet();
    ctx.inFlight().succeed(cl);
    if (!job.background) {
      notice.chunkArrived(c);
    }
  }

  /**
   * Tells the listener of the shared objects whose chunks a unit completes, each once however
   * many of its chunks the unit holds.
   */
  private final class SharedObjectNotice {
    private String last;

    void chunkArrived(Chunk c) {
      if (!c.fileName().equals(last) && SharedObjects.isSharedObject(c.fileName())) {
        last = c.fileName();
        sharedObjectArrived(c.fileName());
      }
    }
  }

  /** A claimed chunk failed: never cached, its waiters get the error, the log says why. */
  private void notDelivered(Unit u, Chunk c, InFlightChunks.Claim cl, Exception e) {
    stats.verifyFailures.incrementAndGet();
    if (e instanceof ChunkDigestMismatchException m) {
      LOG.severe(() -> name + ": NOT serving file '" + c.fileName() + "': chunk at file offset "
          + c.fileOffset() + " (" + c.size() + " bytes, blob bytes " + u.offset() + "-"
          + u.end() + ") hashes to " + m.actual() + " but the TOC says " + m.expected());
    } else {
      LOG.severe(() -> name + ": NOT serving file '" + c.fileName() + "': chunk at file offset "
          + c.fileOffset() + " cannot be decoded: " + e.getMessage());
    }
    ctx.inFlight().fail(cl,
        e instanceof IOException io ? io : new IOException(e.getMessage(), e));
  }

  /** See {@link LayerFetcher#onSharedObjectFetched}. */
  void onSharedObjectFetched(Consumer<String> listener) {
    this.sharedObjectListener = listener;
  }

  private void sharedObjectArrived(String fileName) {
    Consumer<String> l = sharedObjectListener;
    if (l == null) {
      return;
    }
    Optional<LayerEntry> e = index.entry(fileName);
    if (e.isPresent() && e.get().chunks().stream().allMatch(ctx.cache()::has)) {
      l.accept(fileName);
    }
  }

  private void failAll(FetchJob job, IOException e) {
    for (Map.Entry<Digest, InFlightChunks.Claim> en : job.owned.entrySet()) {
      ctx.inFlight().fail(en.getValue(), e);
    }
    job.owned.clear();
  }

  /** Jobs running stop before their next unit; their waiters get an error. */
  void close() {
    closed = true;
  }
}
