package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.writer.EstargzFlavor;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.estargz.writer.ParallelFrameWriter;
import org.stargzstore.estargz.writer.StargzLayerWriter;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Layers that lie, read through the mount: a TOC naming the digest of a chunk another layer
 * cached, with a smaller or a huge size, gets EIO (never the cached bytes' prefix); and a file
 * stored as one chunk far larger than the memory cache is read whole and exact (the chunk is
 * streamed through the store, not held in memory).
 */
@IntegrationTest
class HostileChunkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] SEVENTEEN = "seventeen bytes!\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path tmp;

  @Test
  void aTocThatLiesAboutTheSizeOfACachedChunkGetsEio() throws Exception {
    Digest real = Digest.of(SEVENTEEN);
    Path honest = layer("honest", Map.of("real", SEVENTEEN), json -> json);
    Path liar = layer("liar", Map.of("small", "seven".getBytes(StandardCharsets.US_ASCII),
        "huge", "x".getBytes(StandardCharsets.US_ASCII)), json -> {
          for (com.fasterxml.jackson.databind.JsonNode e : json.get("entries")) {
            String name = e.get("name").asText().replaceFirst("^\\./", "");
            if (name.equals("small") || name.equals("huge")) {
              ObjectNode o = (ObjectNode) e;
              o.put("size", name.equals("small") ? 5L : 1L << 40);
              o.put("digest", real.toString());
              o.put("chunkDigest", real.toString());
            }
          }
          return json;
        });
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/honest:1", List.of(honest.resolveSibling("honest.blob")), List.of(honest))
        .add("t.test/liar:1", List.of(liar.resolveSibling("liar.blob")), List.of(liar));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path mnt = h.mount(tmp.resolve("mnt"));
      Path honestDiff = diff(mnt, "t.test/honest:1", honest);
      assertArrayEquals(SEVENTEEN, Files.readAllBytes(honestDiff.resolve("real")));
      Path liarDiff = diff(mnt, "t.test/liar:1", liar);
      // first while the chunk may still be in memory only, then once it is in the store
      assertEio(liarDiff.resolve("small"));
      for (int i = 0; i < 100 && !h.content.contains(real); i++) {
        Thread.sleep(50);
      }
      assertTrue(h.content.contains(real), "the honest chunk reached the store");
      assertEio(liarDiff.resolve("small"));
      assertEio(liarDiff.resolve("huge"));
      assertArrayEquals(SEVENTEEN, Files.readAllBytes(honestDiff.resolve("real")),
          "the honest layer is unaffected");
    }
  }

  @Test
  void aFileOfOneHugeChunkIsStreamedThroughTheStore() throws Exception {
    long size = 300L << 20;
    Path dir = Files.createDirectories(tmp.resolve("big"));
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(
        dir.resolve("zeros").toFile(), "rw")) {
      f.setLength(size);
    }
    Files.write(dir.resolve("tail"), SEVENTEEN);
    Path desc = layerOf(dir, "big", json -> json);
    Files.delete(dir.resolve("zeros"));
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add("t.test/big:1", List.of(desc.resolveSibling("big.blob")), List.of(desc));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path mnt = h.mount(tmp.resolve("mnt"));
      Path file = diff(mnt, "t.test/big:1", desc).resolve("zeros");
      assertEquals(size, Files.size(file));
      long before = h.content.bytesWritten();
      MessageDigest md = Digest.newSha256();
      long n = 0;
      byte[] buf = new byte[1 << 20];
      try (InputStream in = Files.newInputStream(file)) {
        for (int k; (k = in.read(buf)) > 0; n += k) {
          md.update(buf, 0, k);
        }
      }
      assertEquals(size, n);
      try (InputStream zeros = org.stargzstore.estargz.layer.UnitStreamer.zeros(size)) {
        MessageDigest want = Digest.newSha256();
        for (int k; (k = zeros.read(buf)) > 0; ) {
          want.update(buf, 0, k);
        }
        assertArrayEquals(want.digest(), md.digest(), "every byte of the huge chunk");
      }
      // the chunk went to the store as one verified file, before any reader got a byte
      assertTrue(h.content.bytesWritten() - before >= size,
          "the chunk was streamed into the store: " + (h.content.bytesWritten() - before));
    }
  }

  private static void assertEio(Path p) {
    // one read of its first bytes: the file may claim a size no array holds
    IOException e = assertThrows(IOException.class, () -> {
      try (InputStream in = Files.newInputStream(p)) {
        in.read(new byte[4096]);
      }
    }, p + " must not be readable");
    assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), p + ": " + e);
  }

  private static Path diff(Path mnt, String ref, Path descriptor) throws IOException {
    String digest = JSON.readTree(Files.readAllBytes(descriptor)).get("digest").asText();
    return mnt.resolve(ImageDirectoryName.encode(ref)).resolve(digest).resolve("diff");
  }

  /** An eStargz layer of {@code files}; returns its descriptor JSON (the blob is beside it). */
  private Path layer(String name, Map<String, byte[]> files, UnaryOperator<ObjectNode> editToc)
      throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name + "-files"));
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Files.write(dir.resolve(f.getKey()), f.getValue());
    }
    return layerOf(dir, name, editToc);
  }

  /**
   * Writes {@code dir} as an eStargz layer with the project's writer (one chunk per file,
   * whatever its size), its TOC JSON passed through {@code editToc} before it is written; the
   * descriptor's TOC digest is that of the edited TOC, so the lie passes the TOC check.
   */
  private Path layerOf(Path dir, String name, UnaryOperator<ObjectNode> editToc)
      throws IOException {
    Path tar = tmp.resolve(name + ".tar");
    ExternalTools.run(List.of("tar", "-cf", tar.toString(), "-C", dir.toString(), "."), 300)
        .requireSuccess();
    byte[][] written = new byte[1][];
    EstargzFlavor gzip = new EstargzFlavor(1);
    StargzLayerWriter.Flavor editing = new StargzLayerWriter.Flavor(gzip.mediaType(),
        gzip.codec()) {
      @Override
      public Map<String, String> writeTocAndFooter(ParallelFrameWriter w, byte[] tocJson)
          throws IOException {
        written[0] = JSON.writeValueAsBytes(editToc.apply((ObjectNode) JSON.readTree(tocJson)));
        return gzip.writeTocAndFooter(w, written[0]);
      }
    };
    Path blob = tmp.resolve(name + ".blob");
    LayerWriteResult r;
    try (OutputStream out = Files.newOutputStream(blob)) {
      r = StargzLayerWriter.builder(editing).chunkSize(Integer.MAX_VALUE - 8).build()
          .write(tar, out);
    }
    Files.delete(tar);
    Digest tocDigest = Digest.of(written[0]);
    Map<String, String> ann = new LinkedHashMap<>(r.annotations());
    ann.put(LayerDescriptor.STARGZ_TOC_DIGEST, tocDigest.toString());
    LayerWriteResult edited = new LayerWriteResult(r.mediaType(), r.digest(), r.size(),
        r.diffId(), tocDigest, r.uncompressedSize(), ann, r.warnings());
    Path descriptor = tmp.resolve(name + ".json");
    Files.writeString(descriptor, edited.toJson());
    return descriptor;
  }
}
