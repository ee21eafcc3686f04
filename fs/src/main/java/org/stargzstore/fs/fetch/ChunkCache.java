package org.stargzstore.fs.fetch;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.fs.store.ContentLengthMismatchException;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.types.Digest;

/**
 * Verified chunks: recently fetched ones in memory (so a reader never waits for the disk write),
 * all of them in the content store. Only verified bytes ever enter; a zero chunk needs no storage.
 * A chunk whose store write is still queued is held until the write ends: the memory cache may
 * evict (or refuse to admit) an entry at once, and the chunk must stay readable in between.
 *
 * <p>Entries are addressed by what was verified, digest and size: a TOC that names a cached
 * digest with another size never gets the cached bytes (a prefix of them, or a read past their
 * end); its read fails. Chunks larger than {@link #streamAboveBytes()} never enter memory: the
 * fetcher streams them into the store ({@link #putVerifiedFile}).
 */
public final class ChunkCache {
  private static final Logger LOG = Logger.getLogger(ChunkCache.class.getName());
  /** Units (compressed or decoded) above this are streamed through the store by default. */
  public static final long DEFAULT_STREAM_ABOVE =
      org.stargzstore.estargz.layer.UnitStreamer.DEFAULT_STREAM_ABOVE;

  /** What a cached chunk was verified as. */
  private record Key(Digest digest, long size) {
    static Key of(Chunk c) {
      return new Key(c.digest(), c.size());
    }
  }

  private final ContentStore store;
  private final Cache<Key, byte[]> memory;
  private final Executor diskWriter;
  private final long streamAboveBytes;
  /** Bytes of chunks handed to the disk writer and not written yet. */
  private final ByteBudget pendingWrites;
  private final AtomicBoolean warnedDiskFull = new AtomicBoolean();
  /** Chunks whose store write has not finished yet. */
  private final ConcurrentHashMap<Key, byte[]> unwritten = new ConcurrentHashMap<>();

  /**
   * @param memoryBytes bound of the in-memory part
   * @param diskWriter runs the store writes (a bounded executor applies back-pressure)
   */
  public ChunkCache(ContentStore store, long memoryBytes, Executor diskWriter) {
    this(store, memoryBytes, diskWriter, DEFAULT_STREAM_ABOVE);
  }

  /**
   * @param memoryBytes bound of the in-memory part; chunks waiting for their store write are
   *     bounded by a quarter of it (at least {@code streamAboveBytes}): fetchers wait beyond
   * @param diskWriter runs the store writes
   * @param streamAboveBytes units larger than this (compressed or decoded) are never held in
   *     memory: they are decoded and verified as a stream into the store
   */
  public ChunkCache(ContentStore store, long memoryBytes, Executor diskWriter,
      long streamAboveBytes) {
    if (streamAboveBytes <= 0) {
      throw new IllegalArgumentException("stream threshold must be positive: " + streamAboveBytes);
    }
    this.store = store;
    this.memory = Caffeine.newBuilder()
        .maximumWeight(memoryBytes)
        .weigher((Key k, byte[] v) -> v.length + 64)
        .build();
    this.diskWriter = diskWriter;
    this.streamAboveBytes = streamAboveBytes;
    this.pendingWrites = new ByteBudget(Math.max(memoryBytes / 4, streamAboveBytes));
  }

  public ContentStore store() {
    return store;
  }

  /** Units larger than this (compressed or decoded) are streamed into the store. */
  public long streamAboveBytes() {
    return streamAboveBytes;
  }

  /** True if the chunk can be read without fetching. */
  public boolean has(Chunk c) {
    Key k = Key.of(c);
    return c.zeros() || c.size() == 0 || memory.getIfPresent(k) != null
        || unwritten.containsKey(k) || store.contains(c.digest());
  }

  /**
   * Copies the chunk's bytes from {@code offsetInChunk} into {@code dst} (as many as fit and
   * exist). Returns the count.
   *
   * @throws NoSuchFileException if the chunk is not cached (collected, or never fetched)
   * @throws org.stargzstore.fs.store.CorruptContentException if the stored copy was damaged
   * @throws ContentLengthMismatchException if the stored content of the chunk's digest has
   *     another length than the chunk (the TOC is wrong: the chunk can never be valid)
   */
  public int read(Chunk c, long offsetInChunk, ByteBuffer dst) throws IOException {
    int want = (int) Math.min(dst.remaining(), c.size() - offsetInChunk);
    if (want <= 0) {
      return 0;
    }
    if (c.zeros()) {
      for (int i = 0; i < want; i++) {
        dst.put((byte) 0);
      }
      return want;
    }
    Key k = Key.of(c);
    byte[] mem = memory.getIfPresent(k);
    if (mem == null) {
      mem = unwritten.get(k);
    }
    if (mem != null) {
      dst.put(mem, (int) offsetInChunk, want);
      return want;
    }
    ByteBuffer slice = dst.slice();
    slice.limit(want);
    int total = 0;
    try {
      while (slice.hasRemaining()) {
        int n = store.read(c.digest(), c.size(), offsetInChunk + total, slice);
        if (n <= 0) {
          throw new IOException("stored chunk " + c.digest() + " of " + c.fileName()
              + " is shorter than its " + c.size() + " bytes");
        }
        total += n;
      }
    } catch (ContentLengthMismatchException e) {
      LOG.severe(() -> "NOT serving file '" + c.fileName() + "': chunk at file offset "
          + c.fileOffset() + ": " + e.getMessage());
      throw e;
    }
    dst.position(dst.position() + total);
    return total;
  }

  /**
   * Adds verified chunk bytes: to memory now, to the store in the background. Waits while
   * too many bytes are queued for the disk (the disk is the bound on how fast we may fetch).
   */
  public void put(Chunk c, byte[] verified) {
    put(c, verified, true);
  }

  /**
   * As {@link #put(Chunk, byte[])}; with {@code keepInMemory} false the bytes are held only until
   * their store write ends (readers get them from the store after that): a layer streamed in
   * the background, which no reader waits for, does not fill the memory cache and the heap of a
   * settled daemon (docs/configuration.md, "Memory").
   */
  public void put(Chunk c, byte[] verified, boolean keepInMemory) {
    Key k = Key.of(c);
    Digest d = c.digest();
    try {
      pendingWrites.acquire(verified.length);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      memory.put(k, verified); // shutting down: memory only
      return;
    }
    unwritten.put(k, verified);
    if (keepInMemory) {
      memory.put(k, verified);
    }
    try {
      diskWriter.execute(() -> {
        try {
          store.put(d, verified, 0, verified.length);
        } catch (IOException e) {
          if (warnedDiskFull.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "cannot write to the local store (" + e.getMessage()
                + "): chunks are served from memory and the network until it has room again", e);
          }
        } finally {
          unwritten.remove(k, verified);
          pendingWrites.release(verified.length);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      unwritten.remove(k, verified); // shutting down: memory only
      pendingWrites.release(verified.length);
    }
  }

  /**
   * Adds a chunk streamed to {@code verifiedTemp} (a {@link ContentStore#newTempFile}) whose
   * length and digest the caller has checked against {@code c}: it goes straight to the store.
   */
  public void putVerifiedFile(Chunk c, Path verifiedTemp) throws IOException {
    store.putFile(c.digest(), verifiedTemp);
  }
}
