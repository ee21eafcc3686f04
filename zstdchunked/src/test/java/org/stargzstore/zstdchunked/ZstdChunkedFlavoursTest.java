package org.stargzstore.zstdchunked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stargzstore.estargz.io.CountingRangeSource;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TarListing;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.zstdchunked.conformance.Fixtures;

/**
 * Telling the two zstd:chunked flavours apart, and the containers/storage footer generations
 * newer than the podman 4.3.1 fixture. No writer of containers/storage 1.47+ runs here (Debian
 * packages 1.43, and its current sources need a newer Go), so those blobs are assembled from
 * the podman fixture following the layouts in {@code pkg/chunked/internal/minimal} (see
 * {@code zstdchunked/README.md}).
 */
class ZstdChunkedFlavoursTest {
  private static final String ZSTD_MT = "application/vnd.oci.image.layer.v1.tar+zstd";

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"zstd-stargz", "zstd-podman"})
  void withoutAnyDigestTheTocContentDecidesTheFlavour(String fixture) throws Exception {
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob(fixture)),
        LayerFormats.options().build())) {
      assertEquals(expected(fixture), r.index().format());
      assertFalse(r.layer().toc().verified());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"zstd-stargz", "zstd-podman"})
  void anExplicitDigestDecidesTheFlavourByWhatItCovers(String fixture) throws Exception {
    Digest d = Fixtures.descriptor("edge." + fixture + ".json").tocDigest().orElseThrow();
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob(fixture)),
        LayerFormats.options().expectedTocDigest(d).build())) {
      assertEquals(expected(fixture), r.index().format());
      assertTrue(r.layer().toc().verified());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void aDescriptorNamesTheFormatItsProducerWrote(String fixture) throws Exception {
    FormatKind want = switch (fixture) {
      case "estargz" -> FormatKind.ESTARGZ;
      case "zstd-stargz" -> FormatKind.ZSTD_CHUNKED_STARGZ;
      default -> FormatKind.ZSTD_CHUNKED_STORAGE;
    };
    assertEquals(java.util.Optional.of(want),
        LayerFormats.detect(Fixtures.descriptor("edge." + fixture + ".json")));
    LayerDescriptor plain = new LayerDescriptor(ZSTD_MT, Digest.of(new byte[0]), 1, Map.of());
    assertTrue(LayerFormats.detect(plain).isEmpty());
  }

  @Test
  void aStargzBlobAnnotatedWithItsManifestPositionOpensInOneRead() throws Exception {
    Path blob = blob("zstd-stargz");
    ByteBuffer footer = tail(blob, 40);
    String position = footer.getLong(0) + ":" + footer.getLong(8) + ":" + footer.getLong(16)
        + ":" + footer.getLong(24);
    LayerDescriptor stargz = Fixtures.descriptor("edge.zstd-stargz.json");
    Map<String, String> ann = new java.util.HashMap<>(stargz.annotations());
    ann.put(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION, position);
    LayerDescriptor d = new LayerDescriptor(ZSTD_MT, stargz.digest(), stargz.size(), ann);
    CountingRangeSource counting = new CountingRangeSource(FileRangeSource.open(blob));
    try (LayerReader r = LayerReader.open(counting, LayerFormats.options().descriptor(d).build())) {
      assertEquals(1, counting.reads());
      assertEquals(FormatKind.ZSTD_CHUNKED_STARGZ, r.index().format());
      assertTrue(r.layer().toc().verified());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {56, 64})
  void newerContainersStorageFootersAndAnnotationsAreRead(int footerSize) throws Exception {
    Rebuilt b = rebuildPodman(footerSize);
    LayerDescriptor d = new LayerDescriptor(ZSTD_MT, Digest.of(Files.readAllBytes(b.blob)),
        Files.size(b.blob), Map.of(
            LayerDescriptor.ZSTD_CHUNKED_MANIFEST_CHECKSUM, b.manifestDigest.toString(),
            LayerDescriptor.ZSTD_CHUNKED_MANIFEST_POSITION, b.manifestPosition,
            LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_POSITION, b.tarSplitPosition));
    Map<String, String> expected;
    try (LayerReader original = LayerReader.open(FileRangeSource.open(blob("zstd-podman")),
        LayerFormats.options().build())) {
      expected = digests(original);
    }
    try (LayerReader r = LayerReader.open(FileRangeSource.open(b.blob),
        LayerFormats.options().build())) {
      assertEquals(FormatKind.ZSTD_CHUNKED_STORAGE, r.index().format(), "from the footer");
      assertEquals(expected, digests(r));
    }
    CountingRangeSource counting = new CountingRangeSource(FileRangeSource.open(b.blob));
    try (LayerReader r = LayerReader.open(counting, LayerFormats.options().descriptor(d).build())) {
      assertEquals(1, counting.reads(), "the manifest-position annotation saves the footer read");
      assertTrue(r.layer().toc().verified());
      assertEquals(b.manifestDigest, r.layer().toc().tocDigest());
    }
  }

  @Test
  void zeroChunksReadAsZerosWithoutFetchingAnything() throws Exception {
    Path src = blob("zstd-podman");
    Path out = dir.resolve("zeros.blob");
    Digest zeros = Digest.of(new byte[5 << 20]);
    BlobSurgery.Rewritten rw = BlobSurgery.rewriteZstdToc(src, out, false, toc -> {
      for (JsonNode e : toc.get("entries")) {
        if (e.get("name").asText().equals("bin/zeros-5M")) {
          ((ObjectNode) e).put("chunkType", "zeros").put("chunkDigest", zeros.toString());
        }
      }
    });
    CountingRangeSource counting = new CountingRangeSource(FileRangeSource.open(rw.blob()));
    try (LayerReader r = LayerReader.open(counting,
        LayerFormats.options().expectedTocDigest(rw.tocDigest()).build())) {
      LayerEntry z = r.index().entry("bin/zeros-5M").orElseThrow();
      assertTrue(z.chunks().get(0).zeros());
      long reads = counting.reads();
      try (InputStream in = r.openFile(z)) {
        assertEquals("sha256:" + zeros.hex(), TarListing.sha256(in));
      }
      assertEquals(reads, counting.reads());
    }
  }

  /**
   * The podman fixture re-packed as containers/storage 1.47+ writes it: data, manifest frame,
   * tar-split frame, then a 56-byte (1.47-1.49: 40-byte layout and 16 zero bytes) or 64-byte
   * (1.50+: with the tar-split position and the {@code GNUlInUx} magic) footer frame. For
   * 1.50+ the manifest carries {@code tarSplitDigest}.
   */
  private Rebuilt rebuildPodman(int footerSize) throws Exception {
    byte[] b = Files.readAllBytes(blob("zstd-podman"));
    ByteBuffer f = tail(blob("zstd-podman"), 40);
    long offset = f.getLong(0);
    long length = f.getLong(8);
    byte[] tarSplitJson = "{\"type\":2,\"payload\":\"\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] tarSplit = Zstd.compress(tarSplitJson, 3);
    byte[] json = Zstd.decompress(Arrays.copyOfRange(b, (int) offset, (int) (offset + length)),
        (int) f.getLong(16));
    if (footerSize == 64) {
      ObjectNode toc = (ObjectNode) new ObjectMapper().readTree(json);
      toc.put("tarSplitDigest", Digest.of(tarSplit).toString());
      json = new ObjectMapper().writeValueAsBytes(toc);
    }
    byte[] manifest = Zstd.compress(json, 3);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(b, 0, (int) offset - 8);
    out.write(skippable(manifest));
    long tarSplitOffset = offset + manifest.length + 8;
    out.write(skippable(tarSplit));
    ByteBuffer footer = ByteBuffer.allocate(footerSize).order(ByteOrder.LITTLE_ENDIAN);
    footer.putLong(offset).putLong(manifest.length).putLong(json.length).putLong(1);
    if (footerSize == 64) {
      footer.putLong(tarSplitOffset).putLong(tarSplit.length).putLong(tarSplitJson.length)
          .put("GNUlInUx".getBytes(StandardCharsets.US_ASCII));
    } else {
      footer.put("GnUlInUx".getBytes(StandardCharsets.US_ASCII));
    }
    out.write(skippable(footer.array()));
    Path blob = dir.resolve("storage-" + footerSize + ".blob");
    Files.write(blob, out.toByteArray());
    return new Rebuilt(blob, Digest.of(manifest),
        offset + ":" + manifest.length + ":" + json.length + ":1",
        tarSplitOffset + ":" + tarSplit.length + ":" + tarSplitJson.length);
  }

  private record Rebuilt(Path blob, Digest manifestDigest, String manifestPosition,
      String tarSplitPosition) {}

  private static Map<String, String> digests(LayerReader r) throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    for (LayerEntry e : r.index().entries()) {
      if (e.isRegular()) {
        try (InputStream in = r.openFile(e)) {
          out.put(e.name(), TarListing.sha256(in));
        }
      }
    }
    return out;
  }

  private static byte[] skippable(byte[] payload) {
    ByteBuffer h = ByteBuffer.allocate(8 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    h.put(new byte[] {0x50, 0x2a, 0x4d, 0x18}).putInt(payload.length).put(payload);
    return h.array();
  }

  private static ByteBuffer tail(Path blob, int n) throws Exception {
    byte[] b = Files.readAllBytes(blob);
    return ByteBuffer.wrap(Arrays.copyOfRange(b, b.length - n, b.length))
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  private static Path blob(String fixture) {
    return Shared.fixture("edge." + fixture + ".blob");
  }

  private static FormatKind expected(String fixture) {
    return fixture.equals("zstd-podman") ? FormatKind.ZSTD_CHUNKED_STORAGE
        : FormatKind.ZSTD_CHUNKED_STARGZ;
  }
}
