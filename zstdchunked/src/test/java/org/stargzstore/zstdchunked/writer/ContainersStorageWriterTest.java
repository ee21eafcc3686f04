package org.stargzstore.zstdchunked.writer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.footerLongs;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.json;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.sha256;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.slice;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.unzstd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.writer.InvalidTarException;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * zstd:chunked in the containers/storage flavour against independent implementations: the
 * system's {@code zstd} (the blob decompresses to the input byte for byte), podman 4.3.1's own
 * output for the same tar (same entries, same content-defined chunks), and Go's tar-split library
 * (the tar-split rebuilds the input, and Go's tar reader agrees with the manifest on every header).
 */
@IntegrationTest
class ContainersStorageWriterTest {
  @TempDir
  static Path dir;
  static Path edge;
  static Path tree;
  static Path gnuPosix;

  @BeforeAll
  static void corpora() throws IOException {
    edge = TarCorpus.edge(dir.resolve("edge.tar"));
    Path zoneinfo = Path.of("/usr/share/zoneinfo");
    tree = TarCorpus.tree(dir.resolve("tree.tar"), Files.isDirectory(zoneinfo) ? zoneinfo
        : Shared.projectRoot().resolve("zstdchunked/src"));
    Path src = Files.createDirectories(dir.resolve("gnu-src/sub"));
    Files.writeString(src.resolve("text"), "GNU tar stores atime and ctime in PAX records\n");
    byte[] holes = new byte[300_000];
    Arrays.fill(holes, 0, 5000, (byte) 7);
    Arrays.fill(holes, 200_000, 200_001, (byte) 1);
    Files.write(src.resolve("holes"), holes);
    gnuPosix = dir.resolve("gnu-posix.tar");
    ExternalTools.run(List.of("tar", "--format=posix", "-cf", gnuPosix.toString(), "-C",
        src.getParent().toString(), "."), 60).requireSuccess();
  }

  static LayerWriteResult convert(ContainersStorageWriter w, Path tar, Path blob)
      throws IOException {
    try (InputStream in = Files.newInputStream(tar); OutputStream out = Files.newOutputStream(blob)) {
      return w.write(in, tar.toString(), out);
    }
  }

  @Test
  void decompressesToTheInputByteForByte() throws IOException {
    for (Path tar : List.of(edge, tree, gnuPosix)) {
      Path blob = dir.resolve(tar.getFileName() + ".zst");
      LayerWriteResult r = convert(ContainersStorageWriter.builder().build(), tar, blob);
      Path plain = dir.resolve(tar.getFileName() + ".out");
      ZstdTestSupport.decompress("zstd", blob, plain);
      assertArrayEquals(Files.readAllBytes(tar), Files.readAllBytes(plain), tar.toString());
      assertEquals(sha256(tar), r.diffId().toString());
      assertEquals(Files.size(tar), r.uncompressedSize());
      assertEquals(sha256(blob), r.digest().toString());
      assertEquals(Files.size(blob), r.size());
      assertEquals(LayerWriteResult.MEDIA_TYPE_ZSTD, r.mediaType());
    }
  }

  @Test
  void keepsTrailingBytesAndMissingEndMarkers() throws IOException {
    byte[] all = Files.readAllBytes(edge);
    // Cut right after etc/hostname's padding: no end-of-archive marker at all.
    Path noMarker = dir.resolve("no-marker.tar");
    Files.write(noMarker, Arrays.copyOf(all, 3 * 512));
    // Garbage-free but long trailing zero padding (several tar-split padding pieces).
    Path padded = dir.resolve("padded.tar");
    byte[] longTail = Arrays.copyOf(all, all.length + 3 * (1 << 20) + 77);
    Files.write(padded, longTail);
    for (Path tar : List.of(noMarker, padded)) {
      Path blob = dir.resolve(tar.getFileName() + ".zst");
      LayerWriteResult r = convert(ContainersStorageWriter.builder().build(), tar, blob);
      Path plain = dir.resolve(tar.getFileName() + ".out");
      ZstdTestSupport.decompress("zstd", blob, plain);
      assertArrayEquals(Files.readAllBytes(tar), Files.readAllBytes(plain), tar.toString());
      assertEquals(sha256(tar), r.diffId().toString());
      checkTarSplit(tar, blob, r);
    }
  }

  @Test
  void chunksAndDescribesFilesAsPodmanDoes() throws IOException {
    Path blob = dir.resolve("edge-vs-podman.zst");
    convert(ContainersStorageWriter.builder().build(), edge, blob);
    List<Map<String, Object>> ours = entries(manifestOf(blob, true));
    Path podmanBlob = Shared.fixture("edge.zstd-podman.blob");
    Map<String, Object> desc = json(Files.readAllBytes(Shared.fixture("edge.zstd-podman.json")));
    @SuppressWarnings("unchecked")
    String[] pos = ((Map<String, String>) desc.get("annotations"))
        .get(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION).split(":");
    byte[] pb = Files.readAllBytes(podmanBlob);
    List<Map<String, Object>> podman = entries(json(unzstd(slice(pb, Long.parseLong(pos[0]),
        Long.parseLong(pos[1])))));
    assertEquals(podman.size(), ours.size(), "number of manifest entries");
    int chunks = 0;
    for (int i = 0; i < podman.size(); i++) {
      Map<String, Object> want = comparable(podman.get(i));
      Map<String, Object> got = comparable(ours.get(i));
      // containers/storage 1.43 took xattrs from Go's Header.Xattrs, which drops empty values;
      // current containers/storage (and we) take them from the PAX records, which keep them.
      if (got.get("xattrs") instanceof Map<?, ?> x) {
        Map<Object, Object> nonEmpty = new LinkedHashMap<>(x);
        nonEmpty.values().removeIf(""::equals);
        got.put("xattrs", nonEmpty);
      }
      assertEquals(want, got, "manifest entry #" + i);
      if ("chunk".equals(want.get("type"))) {
        chunks++;
      }
    }
    assertTrue(chunks > 50, "the fixture has content-defined chunks to compare: " + chunks);
  }

  @Test
  void annotationsFooterAndTarSplitDescribeTheBlob() throws IOException {
    for (Path tar : List.of(edge, gnuPosix)) {
      Path blob = dir.resolve(tar.getFileName() + ".current.zst");
      LayerWriteResult r = convert(ContainersStorageWriter.builder().build(), tar, blob);
      byte[] b = Files.readAllBytes(blob);
      assertEquals("GNUlInUx", new String(b, b.length - 8, 8, StandardCharsets.US_ASCII));
      long[] f = footerLongs(b, 64, 7);
      Map<String, String> a = r.annotations();
      String position = f[0] + ":" + f[1] + ":" + f[2] + ":1";
      assertEquals(position, a.get(LayerDescriptor.ZSTD_CHUNKED_MANIFEST_POSITION));
      assertEquals(position, a.get(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION));
      assertEquals(1, f[3]);
      String checksum = Digest.of(slice(b, f[0], f[1])).toString();
      assertEquals(checksum, a.get(LayerDescriptor.ZSTD_CHUNKED_MANIFEST_CHECKSUM));
      assertEquals(checksum, a.get(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM));
      assertEquals(checksum, r.tocDigest().toString());
      assertEquals(f[4] + ":" + f[5] + ":" + f[6],
          a.get(LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_POSITION));
      assertEquals(f[2], unzstd(slice(b, f[0], f[1])).length);
      assertEquals(f[6], unzstd(slice(b, f[4], f[5])).length);
      assertNull(a.get(LayerDescriptor.STARGZ_TOC_DIGEST), "current c/storage rejects both TOCs");
      checkTarSplit(tar, blob, r);
    }
  }

  /** The manifest names the tar-split by digest; Go's tar-split rebuilds the input from it. */
  private static void checkTarSplit(Path tar, Path blob, LayerWriteResult r) throws IOException {
    byte[] b = Files.readAllBytes(blob);
    String[] ts = r.annotations().get(LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_POSITION).split(":");
    byte[] tarSplitFrame = slice(b, Long.parseLong(ts[0]), Long.parseLong(ts[1]));
    Map<String, Object> manifest = manifestOf(blob, true);
    assertEquals(Digest.of(tarSplitFrame).toString(), manifest.get("tarSplitDigest"));
    Path tsJson = dir.resolve(blob.getFileName() + ".tarsplit.json");
    Files.write(tsJson, unzstd(tarSplitFrame));
    Path manJson = dir.resolve(blob.getFileName() + ".manifest.json");
    Files.write(manJson, ZstdTestSupport.JSON.writeValueAsBytes(manifest));
    Path rebuilt = dir.resolve(blob.getFileName() + ".rebuilt.tar");
    ExternalTools.Result res = ExternalTools.run(List.of(ZstdTestSupport.tarSplitCheck().toString(),
        tar.toString(), tsJson.toString(), manJson.toString(), rebuilt.toString()), 120);
    assertEquals(0, res.exitCode(), res.output());
    assertArrayEquals(Files.readAllBytes(tar), Files.readAllBytes(rebuilt),
        "tar-split rebuilds " + tar);
  }

  @Test
  void writesThePodman4LayoutOnRequest() throws IOException {
    Path blob = dir.resolve("edge.v143.zst");
    LayerWriteResult r = convert(ContainersStorageWriter.builder()
        .target(ContainersStorageWriter.Target.V1_43).build(), edge, blob);
    byte[] b = Files.readAllBytes(blob);
    assertEquals("GnUlInUx", new String(b, b.length - 8, 8, StandardCharsets.US_ASCII));
    long[] f = footerLongs(b, 40, 4);
    assertEquals(Map.of(
        LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM, Digest.of(slice(b, f[0], f[1])).toString(),
        LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION, f[0] + ":" + f[1] + ":" + f[2] + ":1"),
        r.annotations());
    Map<String, Object> manifest = json(unzstd(slice(b, f[0], f[1])));
    assertFalse(manifest.containsKey("tarSplitDigest"));
    // The manifest frame is followed directly by the footer's skippable frame.
    assertEquals(b.length - 48, f[0] + f[1]);
    Path plain = dir.resolve("edge.v143.out");
    ZstdTestSupport.decompress("zstd", blob, plain);
    assertArrayEquals(Files.readAllBytes(edge), Files.readAllBytes(plain));
  }

  @Test
  void refusesARepeatedPathThatTarSplitCannotDescribe() throws IOException {
    Path tar = dir.resolve("dup.tar");
    ExternalTools.run(List.of("python3", "-c", """
        import tarfile, io, sys
        t = tarfile.open(sys.argv[1], 'w')
        for name, data in (('a', b'1'), ('b', b'2'), ('./a', b'3')):
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        t.close()
        """, tar.toString()), 60).requireSuccess();
    InvalidTarException e = assertThrows(InvalidTarException.class,
        () -> convert(ContainersStorageWriter.builder().build(), tar, dir.resolve("dup.zst")));
    assertTrue(e.getMessage().contains("./a") && e.getMessage().contains("tar-split"),
        e.getMessage());
    // Without tar-split (the podman 4 layout) the tar is kept as it is, duplicates included.
    Path blob = dir.resolve("dup.v143.zst");
    convert(ContainersStorageWriter.builder().target(ContainersStorageWriter.Target.V1_43)
        .build(), tar, blob);
    Path plain = dir.resolve("dup.v143.out");
    ZstdTestSupport.decompress("zstd", blob, plain);
    assertArrayEquals(Files.readAllBytes(tar), Files.readAllBytes(plain));
  }

  @Test
  void capsChunksOfContentTheChecksumNeverSplits() throws IOException {
    Path src = Files.createDirectories(dir.resolve("constant"));
    byte[] ones = new byte[9 << 20];
    Arrays.fill(ones, (byte) 1);
    Files.write(src.resolve("ones"), ones);
    Path tar = TarCorpus.tree(dir.resolve("constant.tar"), src);
    Path blob = dir.resolve("constant.zst");
    convert(ContainersStorageWriter.builder().maxChunkSize(1 << 20).build(), tar, blob);
    List<Map<String, Object>> e = entries(manifestOf(blob, true));
    List<Number> sizes = new ArrayList<>();
    for (Map<String, Object> m : e) {
      if (m.containsKey("chunkSize")) {
        sizes.add((Number) m.get("chunkSize"));
      }
    }
    assertEquals(9, sizes.size(), sizes.toString());
    sizes.forEach(s -> assertEquals(1 << 20, s.intValue()));
    Path plain = dir.resolve("constant.out");
    ZstdTestSupport.decompress("zstd", blob, plain);
    assertArrayEquals(Files.readAllBytes(tar), Files.readAllBytes(plain));
  }

  @Test
  void crc64MatchesGoHashCrc64Iso() {
    Crc64 c = new Crc64();
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    c.update(check, 0, check.length);
    assertEquals(0xb90956c775a41001L, c.value()); // the published CRC-64/GO-ISO check value
    Crc64 split = new Crc64();
    byte[] longer = "123456789123456789123456789".getBytes(StandardCharsets.US_ASCII);
    split.update(longer, 0, 5);
    split.update(longer, 5, longer.length - 5);
    Crc64 whole = new Crc64();
    whole.update(longer, 0, longer.length);
    assertEquals(whole.value(), split.value());
  }

  static Map<String, Object> manifestOf(Path blob, boolean current) throws IOException {
    byte[] b = Files.readAllBytes(blob);
    long[] f = current ? footerLongs(b, 64, 3) : footerLongs(b, 40, 3);
    return json(unzstd(slice(b, f[0], f[1])));
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> entries(Map<String, Object> manifest) {
    return (List<Map<String, Object>>) manifest.get("entries");
  }

  /** A manifest entry without what depends on the byte layout or on the writer's Go version. */
  private static Map<String, Object> comparable(Map<String, Object> e) {
    Map<String, Object> m = new LinkedHashMap<>(e);
    m.remove("offset");
    m.remove("endOffset");
    m.remove("accesstime"); // 1.43 writes Go's zero time when the tar has none; we omit it
    m.remove("changetime");
    return m;
  }
}
