package org.stargzstore.fs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.types.Digest;

class ContentStoreTest {
  @TempDir Path root;

  @Test
  void concurrentFirstWritesIntoOneShardAllSucceed() throws Exception {
    // contents whose digests share their first two hex digits: one shard directory, written
    // at once by many threads into a store that has no shards yet
    java.util.Map<String, java.util.List<byte[]>> byShard = new java.util.HashMap<>();
    java.util.List<byte[]> same = null;
    for (int i = 0; same == null || same.size() < 16; i++) {
      byte[] b = ("chunk " + i).getBytes(StandardCharsets.UTF_8);
      java.util.List<byte[]> l = byShard.computeIfAbsent(Digest.of(b).hex().substring(0, 2),
          k -> new java.util.ArrayList<>());
      l.add(b);
      if (l.size() >= 16) {
        same = l;
      }
    }
    for (int round = 0; round < 50; round++) {
      Path dir = Files.createDirectories(root.resolve("round-" + round));
      ContentStore s = ContentStore.open(new StoreLayout(dir), false);
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(same.size());
      java.util.List<java.util.concurrent.Future<?>> writes = new java.util.ArrayList<>();
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(same.size());
      try {
        for (byte[] b : same) {
          writes.add(pool.submit(() -> {
            start.await();
            s.put(Digest.of(b), b, 0, b.length);
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> w : writes) {
          w.get(); // a failed rename into a shard directory not made yet throws here
        }
      } finally {
        pool.shutdownNow();
      }
      for (byte[] b : same) {
        assertTrue(s.contains(Digest.of(b)));
      }
    }
  }

  @Test
  void storesOnceAndReadsBackRanges() throws Exception {
    ContentStore s = ContentStore.open(new StoreLayout(root), true);
    byte[] data = "hello, content-addressed world".getBytes(StandardCharsets.UTF_8);
    Digest d = s.putHashing(data);
    assertTrue(s.contains(d));
    assertArrayEquals(data, s.readAll(d));
    ByteBuffer b = ByteBuffer.allocate(5);
    assertEquals(5, s.read(d, 7, b));
    assertEquals("conte", new String(b.array(), StandardCharsets.UTF_8));
    assertEquals(data.length, s.bytesWritten());
    s.putHashing(data);
    assertEquals(data.length, s.bytesWritten(), "a second put of the same content writes nothing");
    assertTrue(Files.isRegularFile(root.resolve("blobs/sha256/" + d.hex().substring(0, 2) + "/" + d.hex())));
  }

  @Test
  void damagedBlobIsDeletedOnFirstReadAfterRestart() throws Exception {
    StoreLayout layout = new StoreLayout(root);
    Digest d = ContentStore.open(layout, false).putHashing(new byte[] {1, 2, 3, 4});
    Files.write(layout.blob(d), new byte[] {1, 2, 3, 5});
    ContentStore restarted = ContentStore.open(layout, false);
    assertTrue(restarted.contains(d));
    assertThrows(CorruptContentException.class, () -> restarted.read(d, 0, ByteBuffer.allocate(4)));
    assertFalse(restarted.contains(d));
    assertFalse(Files.exists(layout.blob(d)));
  }

  @Test
  void streamedPutKeepsOnlyBytesThatHashToTheExpectedDigest() throws Exception {
    StoreLayout layout = new StoreLayout(root);
    ContentStore s = ContentStore.open(layout, true);
    byte[] data = new byte[3 << 20];
    new Random(7).nextBytes(data);
    Digest d = Digest.of(data);
    byte[] altered = data.clone();
    altered[data.length / 2] ^= 1;
    ContentDigestMismatchException e = assertThrows(ContentDigestMismatchException.class,
        () -> s.putStream(d, new ByteArrayInputStream(altered), "test blob"));
    assertEquals(Digest.of(altered), e.actual());
    assertTrue(e.getMessage().contains("test blob") && e.getMessage().contains(d.toString()),
        e.getMessage());
    assertFalse(Files.exists(layout.blob(d)));
    try (Stream<Path> tmp = Files.list(layout.tmpDir())) {
      assertEquals(0, tmp.count(), "the temp file is removed");
    }
    assertEquals(data.length, s.putStream(d, new ByteArrayInputStream(data), "test blob"));
    assertTrue(s.isVerified(d));
    ByteBuffer b = ByteBuffer.allocate(16);
    assertEquals(16, s.read(d, data.length - 16, b));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, data.length - 16, data.length), b.array());
  }

  @Test
  void damageAnywhereInALargeBlobIsCaughtByTheFirstReadOfAnyRange() throws Exception {
    StoreLayout layout = new StoreLayout(root);
    byte[] data = new byte[3 << 20];
    new Random(8).nextBytes(data);
    Digest d = Digest.of(data);
    ContentStore.open(layout, false).putStream(d, new ByteArrayInputStream(data), "test blob");
    data[data.length - 1] ^= 1;
    Files.write(layout.blob(d), data);
    ContentStore restarted = ContentStore.open(layout, false);
    assertFalse(restarted.isVerified(d));
    assertFalse(restarted.verifyStored(d));
    assertFalse(Files.exists(layout.blob(d)));
  }

  @Test
  void leftoverTempFilesAreRemovedAtStart() throws Exception {
    StoreLayout layout = new StoreLayout(root);
    ContentStore.open(layout, false);
    Path leftover = layout.tmpDir().resolve("abc.123.tmp");
    Files.write(leftover, new byte[100]);
    ContentStore.open(layout, false);
    assertFalse(Files.exists(leftover));
  }

  @Test
  void missingBlobIsNoSuchFile() throws Exception {
    ContentStore s = ContentStore.open(new StoreLayout(root), false);
    Digest d = Digest.of(new byte[] {9});
    assertFalse(s.contains(d));
    assertThrows(NoSuchFileException.class, () -> s.readAll(d));
  }

  @Test
  void listReportsSizes() throws Exception {
    ContentStore s = ContentStore.open(new StoreLayout(root), false);
    Digest a = s.putHashing(new byte[10]);
    Digest b = s.putHashing(new byte[20]);
    var all = s.list();
    assertEquals(2, all.size());
    assertEquals(30, all.stream().mapToLong(ContentStore.BlobInfo::size).sum());
    assertTrue(all.stream().anyMatch(i -> i.digest().equals(a)));
    assertTrue(all.stream().anyMatch(i -> i.digest().equals(b)));
  }
}
