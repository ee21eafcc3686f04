package org.stargzstore.fs.fetch;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.estargz.Digest;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.fs.store.ContentStore;

/**
 * Verified chunks: recently fetched ones in memory (so a reader never waits for the disk write),
 * all of them in the content store. Only verified bytes ever enter; a zero chunk needs no storage.
 * A chunk whose store write is still queued is held until the write ends: the memory cache may
 * evict (or refuse to admit) an entry at once, and the chunk must stay readable in between.
 */
public final class ChunkCache {
  private static final Logger LOG = Logger.getLogger(ChunkCache.class.getName());

  private final ContentStore store;
  private final Cache<Digest, byte[]> memory;
  private final Executor diskWriter;
  private final AtomicBoolean warnedDiskFull = new AtomicBoolean();
  /** Chunks whose store write has not finished yet. */
  private final java.util.concurrent.ConcurrentHashMap<Digest, byte[]> unwritten =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param memoryBytes bound of the in-memory part
   * @param diskWriter runs the store writes (a bounded executor applies back-pressure)
   */
  public ChunkCache(ContentStore store, long memoryBytes, Executor diskWriter) {
    this.store = store;
    this.memory = Caffeine.newBuilder()
        .maximumWeight(memoryBytes)
        .weigher((Digest k, byte[] v) -> v.length + 64)
        .build();
    this.diskWriter = diskWriter;
  }

  public ContentStore store() {
    return store;
  }

  /** True if the chunk can be read without fetching. */
  public boolean has(Chunk c) {
    return c.zeros() || c.size() == 0 || memory.getIfPresent(c.digest()) != null
        || unwritten.containsKey(c.digest()) || store.contains(c.digest());
  }

  /**
   * Copies the chunk's bytes from {@code offsetInChunk} into {@code dst} (as many as fit and
   * exist). Returns the count.
   *
   * @throws NoSuchFileException if the chunk is not cached (collected, or never fetched)
   * @throws org.stargzstore.fs.store.CorruptContentException if the stored copy was damaged
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
    byte[] mem = memory.getIfPresent(c.digest());
    if (mem == null) {
      mem = unwritten.get(c.digest());
    }
    if (mem != null) {
      dst.put(mem, (int) offsetInChunk, want);
      return want;
    }
    ByteBuffer slice = dst.slice();
    slice.limit(want);
    int total = 0;
    while (slice.hasRemaining()) {
      int n = store.read(c.digest(), offsetInChunk + total, slice);
      if (n <= 0) {
        throw new IOException("stored chunk " + c.digest() + " of " + c.fileName()
            + " is shorter than its " + c.size() + " bytes");
      }
      total += n;
    }
    dst.position(dst.position() + total);
    return total;
  }

  /** Adds verified chunk bytes: to memory now, to the store in the background. */
  public void put(Chunk c, byte[] verified) {
    Digest d = c.digest();
    unwritten.put(d, verified);
    memory.put(d, verified);
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
          unwritten.remove(d, verified);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      unwritten.remove(d, verified); // shutting down: memory only
    }
  }

  /** Forgets a chunk in memory (the store copy stays); used when a stored copy proved corrupt. */
  public void forget(Digest d) {
    memory.invalidate(d);
  }
}
