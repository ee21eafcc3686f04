package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryNotFoundException;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;
import org.stargzstore.types.io.ByteRange;
import org.stargzstore.types.io.RangeSource;

/**
 * Range reads from the real registry (docker-registry serves ranges through Go's
 * {@code http.ServeContent}, multipart/byteranges included). Every expected byte comes from the
 * local copy of what was pushed.
 */
@IntegrationTest
class BlobReadTest {
  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().build();

  private static Path dir;
  private static RegistryClient client;
  private static byte[] layer;
  private static ResolvedImage image;

  @BeforeAll
  static void push() throws Exception {
    dir = Files.createTempDirectory("srs-blobread-");
    client = TestSetup.insecureClient(dir, REGISTRY.hostPort());
    layer = TestImages.random(5 << 20, 42);
    ImageReference ref = ImageReference.parse(REGISTRY.hostPort() + "/read/app:1");
    TestImages.push(client, ref, layer);
    image = client.resolve(ref);
  }

  @AfterAll
  static void close() {
    client.close();
    TempDirs.deleteRecursively(dir);
  }

  private RegistryBlob blob() throws Exception {
    return client.blob(image, image.layers().get(0));
  }

  @Test
  void singleRangesAnywhereIncludingTheEnds() throws Exception {
    RegistryBlob b = blob();
    assertEquals(layer.length, b.size());
    for (long[] r : new long[][] {{0, 1}, {0, 4096}, {12345, 1}, {1 << 20, 777_777},
        {layer.length - 1, 1}, {layer.length - 65536, 65536}}) {
      int off = (int) r[0];
      int len = (int) r[1];
      assertArrayEquals(Arrays.copyOfRange(layer, off, off + len), b.read(off, len),
          "range " + off + "+" + len);
    }
    assertEquals(0, b.read(100, 0).length);
  }

  @Test
  void readingPastTheEndIsEof() throws Exception {
    RegistryBlob b = blob();
    long before = client.stats().requests();
    EOFException e = assertThrows(EOFException.class, () -> b.read(layer.length - 10, 11));
    assertTrue(e.getMessage().contains(image.layers().get(0).digest().toString()),
        e.getMessage());
    assertEquals(before, client.stats().requests(), "the size is known: no request needed");
  }

  @Test
  void severalRangesInOneMultipartRequest() throws Exception {
    RegistryBlob b = blob();
    List<ByteRange> ranges = List.of(new ByteRange(4_000_000, 1000), new ByteRange(10, 20),
        new ByteRange(15, 30), new ByteRange(45, 5), new ByteRange(2_000_000, 100_000),
        new ByteRange(300, 0), new ByteRange(layer.length - 3, 3));
    long multi = client.stats().snapshot().multiRangeRequests();
    long single = client.stats().snapshot().rangeRequests();
    List<byte[]> out = b.readRanges(ranges);
    for (int i = 0; i < ranges.size(); i++) {
      ByteRange r = ranges.get(i);
      assertArrayEquals(Arrays.copyOfRange(layer, (int) r.offset(), (int) r.end()), out.get(i),
          "range " + r);
    }
    assertEquals(multi + 1, client.stats().snapshot().multiRangeRequests());
    assertEquals(single, client.stats().snapshot().rangeRequests(),
        "the registry answered all ranges in one multipart response");
  }

  @Test
  void manyRangesAreBatched() throws Exception {
    RegistryBlob b = blob();
    List<ByteRange> ranges = new ArrayList<>();
    int n = 2 * RegistryBlob.MAX_RANGES_PER_REQUEST + 22;
    for (int i = 0; i < n; i++) {
      ranges.add(new ByteRange(i * 15_000L, 100 + i));
    }
    long multi = client.stats().snapshot().multiRangeRequests();
    List<byte[]> out = b.readRanges(ranges);
    for (int i = 0; i < ranges.size(); i++) {
      ByteRange r = ranges.get(i);
      assertArrayEquals(Arrays.copyOfRange(layer, (int) r.offset(), (int) r.end()), out.get(i));
    }
    assertEquals(multi + 3, client.stats().snapshot().multiRangeRequests(),
        n + " ranges in batches of " + RegistryBlob.MAX_RANGES_PER_REQUEST);
  }

  @Test
  void streamsALongRangeAndCopiesTheWholeBlobVerified() throws Exception {
    RegistryBlob b = blob();
    try (InputStream in = b.openStream(1000, 3_000_000)) {
      assertArrayEquals(Arrays.copyOfRange(layer, 1000, 3_001_000), in.readAllBytes());
    }
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    b.copyTo(bo);
    assertArrayEquals(layer, bo.toByteArray());
  }

  @Test
  void sizeComesFromHeadWhenNoDescriptorGivesIt() throws Exception {
    RegistryBlob b = client.blob(image.reference(), image.layers().get(0).digest(), -1);
    assertEquals(layer.length, b.size());
    assertArrayEquals(Arrays.copyOfRange(layer, 7, 17), b.read(7, 10));
  }

  @Test
  void missingBlobIsNotFoundNamingBlobAndImage() throws Exception {
    Digest missing = Digest.of(new byte[] {1, 2, 3});
    RegistryBlob b = client.blob(image.reference(), missing, 100);
    RegistryNotFoundException e = assertThrows(RegistryNotFoundException.class,
        () -> b.read(0, 10));
    assertEquals(RegistryErrorKind.NOT_FOUND, e.kind());
    assertEquals("ENOENT", e.kind().errno());
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(REGISTRY.hostPort() + "/read/app"), e.getMessage());
    assertTrue(e.getMessage().contains("BLOB_UNKNOWN"), e.getMessage());
  }

  @Test
  void blobIsARangeSourceUnderConcurrentReaders() throws Exception {
    RangeSource src = blob();
    assertEquals(layer.length, src.size());
    assertTrue(src.describe().contains(image.layers().get(0).digest().toString()));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        long seed = t;
        fs.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          for (int i = 0; i < 20; i++) {
            int len = 1 + rnd.nextInt(200_000);
            int off = rnd.nextInt(layer.length - len);
            byte[] dst = new byte[len + 10];
            src.readFully(off, dst, 5, len);
            assertArrayEquals(Arrays.copyOfRange(layer, off, off + len),
                Arrays.copyOfRange(dst, 5, 5 + len));
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThrows(EOFException.class, () -> src.read(layer.length, 1));
  }
}
