package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.fs.store.ContentLengthMismatchException;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.types.Digest;

/**
 * A chunk stays readable between its fetch and its store write, whatever the memory cache does:
 * reading more than the memory budget of large chunks while the disk lags once made reads fail
 * with EIO (the memory cache refused the new entries, the store did not have them yet).
 */
class ChunkCacheTest {
  @TempDir Path root;

  @Test
  void aChunkWhoseStoreWriteIsQueuedIsStillReadable() throws Exception {
    ContentStore store = ContentStore.open(new StoreLayout(root), false);
    List<Runnable> queuedWrites = new ArrayList<>();
    // a memory budget smaller than one chunk (nothing stays there) and a disk that has not
    // written anything yet
    ChunkCache cache = new ChunkCache(store, 1024, queuedWrites::add);
    Random rnd = new Random(3);
    List<Chunk> chunks = new ArrayList<>();
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      byte[] b = new byte[256 << 10];
      rnd.nextBytes(b);
      Digest d = Digest.of(b);
      Chunk c = new Chunk("f" + i, 0, b.length, 0, 1, 0, d, false);
      cache.put(c, b);
      chunks.add(c);
      data.add(b);
    }
    for (int i = 0; i < chunks.size(); i++) {
      assertTrue(cache.has(chunks.get(i)));
      ByteBuffer dst = ByteBuffer.allocate(data.get(i).length);
      assertEquals(data.get(i).length, cache.read(chunks.get(i), 0, dst));
      assertArrayEquals(data.get(i), dst.array());
    }
    queuedWrites.forEach(Runnable::run);
    for (int i = 0; i < chunks.size(); i++) {
      assertTrue(store.contains(chunks.get(i).digest()), "written to the store");
      ByteBuffer dst = ByteBuffer.allocate(data.get(i).length);
      cache.read(chunks.get(i), 0, dst);
      assertArrayEquals(data.get(i), dst.array());
    }
  }

  /**
   * Bulk background chunks are held only until their store write ends, then read from the
   * store; chunks a reader asked for stay in memory. (The store copy is removed behind the
   * cache's back to see which copy a read gets.)
   */
  @Test
  void bulkBackgroundChunksAreNotKeptInMemory() throws Exception {
    StoreLayout layout = new StoreLayout(root);
    ContentStore store = ContentStore.open(layout, false);
    List<Runnable> queuedWrites = new ArrayList<>();
    ChunkCache cache = new ChunkCache(store, 64 << 20, queuedWrites::add);
    Random rnd = new Random(5);
    byte[] bulk = new byte[64 << 10];
    byte[] demanded = new byte[64 << 10];
    rnd.nextBytes(bulk);
    rnd.nextBytes(demanded);
    Chunk bulkChunk = new Chunk("bulk", 0, bulk.length, 0, 1, 0, Digest.of(bulk), false);
    Chunk demandChunk =
        new Chunk("demanded", 0, demanded.length, 1, 2, 0, Digest.of(demanded), false);
    cache.put(bulkChunk, bulk, false);
    cache.put(demandChunk, demanded, true);
    ByteBuffer dst = ByteBuffer.allocate(bulk.length);
    cache.read(bulkChunk, 0, dst);
    assertArrayEquals(bulk, dst.array(), "readable while its store write is queued");
    queuedWrites.forEach(Runnable::run);
    java.nio.file.Files.delete(layout.blob(bulkChunk.digest()));
    java.nio.file.Files.delete(layout.blob(demandChunk.digest()));
    assertThrows(java.io.IOException.class,
        () -> cache.read(bulkChunk, 0, ByteBuffer.allocate(bulk.length)),
        "not in memory once written: read from the store");
    ByteBuffer fromMemory = ByteBuffer.allocate(demanded.length);
    cache.read(demandChunk, 0, fromMemory);
    assertArrayEquals(demanded, fromMemory.array(), "kept in memory");
  }

  /**
   * A digest fixes the content, hence its length: a chunk naming a cached digest with another
   * size is never served the cached bytes (a prefix, or a read past their end), from memory or
   * from the store.
   */
  @Test
  void aCachedDigestIsNeverServedForAnotherSize() throws Exception {
    ContentStore store = ContentStore.open(new StoreLayout(root), false);
    List<Runnable> queuedWrites = new ArrayList<>();
    ChunkCache cache = new ChunkCache(store, 64 << 20, queuedWrites::add);
    byte[] b = "seventeen bytes!\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Digest d = Digest.of(b);
    cache.put(new Chunk("real", 0, b.length, 0, 1, 0, d, false), b);
    Chunk prefix = new Chunk("liar", 0, 5, 0, 1, 0, d, false);
    Chunk huge = new Chunk("liar", 0, 1L << 40, 0, 1, 0, d, false);
    assertFalse(cache.has(prefix), "in memory: addressed by digest and size");
    assertThrows(java.nio.file.NoSuchFileException.class,
        () -> cache.read(prefix, 0, ByteBuffer.allocate(5)));
    queuedWrites.forEach(Runnable::run);
    for (Chunk liar : List.of(prefix, huge)) {
      ContentLengthMismatchException e = assertThrows(ContentLengthMismatchException.class,
          () -> cache.read(liar, 0, ByteBuffer.allocate(5)));
      assertEquals("TOC says " + liar.size() + " bytes for digest " + d
          + " but verified content has 17", e.getMessage());
    }
  }
}
