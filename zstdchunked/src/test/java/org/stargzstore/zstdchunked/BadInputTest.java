package org.stargzstore.zstdchunked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.stargzstore.estargz.ChunkDigestMismatchException;
import org.stargzstore.estargz.InvalidFooterException;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.TocDigestMismatchException;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.testkit.EntryFacts;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TarListing;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/** Every way a blob can be bad ends in a clear typed error that names the blob (and entry). */
@IntegrationTest
class BadInputTest {
  private static final String BIG = "bin/rand-1048576";

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void aFlippedByteInOneChunkFailsThatFileAndNoOther(String fixture) throws Exception {
    Path blob = BlobSurgery.copy(Shared.fixture("edge." + fixture + ".blob"), dir);
    LayerDescriptor d = descriptor(fixture);
    Chunk hit;
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob), options(d))) {
      LayerEntry big = r.index().entry(BIG).orElseThrow();
      hit = big.chunks().get(big.chunkIndexAt(500_000));
    }
    // inside the stored / raw block data of this incompressible chunk, past the headers
    BlobSurgery.flipByte(blob, hit.compressedOffset() + 100);

    Map<String, String> tarDigests = wholeStreamDigests(Shared.fixture("edge." + fixture + ".blob"));
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob), options(d))) {
      LayerEntry big = r.index().entry(BIG).orElseThrow();
      ChunkDigestMismatchException e = assertThrows(ChunkDigestMismatchException.class,
          () -> r.openFile(big).readAllBytes());
      assertEquals(BIG, e.entryName());
      assertEquals(hit.fileOffset(), e.chunkOffset());
      assertEquals(hit.digest(), e.expected());
      assertTrue(e.getMessage().startsWith(blob.toString() + ": "), e.getMessage());
      assertTrue(e.getMessage().contains("'" + BIG + "'"), e.getMessage());
      // the chunks before it still read
      byte[] head = new byte[(int) hit.fileOffset()];
      assertEquals(head.length, r.read(big, 0, head, 0, head.length));

      int others = 0;
      for (LayerEntry f : r.index().entries()) {
        if (f.isRegular() && !f.name().equals(BIG)) {
          try (InputStream in = r.openFile(f)) {
            assertEquals(tarDigests.get(f.name()), TarListing.sha256(in), f.name());
          }
          others++;
        }
      }
      assertTrue(others > 1500);
      ChunkDigestMismatchException bulk = assertThrows(ChunkDigestMismatchException.class,
          () -> r.readAll(2, (c, data) -> { }));
      assertEquals(hit.fileOffset(), bulk.chunkOffset());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void corruptCompressedDataNamesTheFile(String fixture) throws Exception {
    Path blob = BlobSurgery.copy(Shared.fixture("edge." + fixture + ".blob"), dir);
    Chunk hit;
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob), options(descriptor(fixture)))) {
      LayerEntry zeros = r.index().entry("bin/zeros-5M").orElseThrow();
      hit = zeros.chunks().get(0);
    }
    for (long i = 4; i < hit.compressedLength() - 4; i += 7) {
      BlobSurgery.flipByte(blob, hit.compressedOffset() + i);
    }
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob), options(descriptor(fixture)))) {
      LayerFormatException e = assertThrows(LayerFormatException.class,
          () -> r.readChunk(hit));
      assertTrue(e.getMessage().contains("'bin/zeros-5M'"), e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void aWrongTocDigestAnnotationIsRejected(String fixture) throws Exception {
    LayerDescriptor good = descriptor(fixture);
    Map<String, String> ann = new HashMap<>(good.annotations());
    Digest wrong = Digest.of("not the toc".getBytes());
    ann.replaceAll((k, v) -> Digest.isValid(v) ? wrong.toString() : v);
    LayerDescriptor bad = new LayerDescriptor(good.mediaType(), good.digest(), good.size(), ann);
    Path blob = Shared.fixture("edge." + fixture + ".blob");
    TocDigestMismatchException e = assertThrows(TocDigestMismatchException.class,
        () -> LayerReader.open(FileRangeSource.open(blob), options(bad)).close());
    assertEquals(wrong, e.expected());
    assertEquals(good.tocDigest().orElseThrow(), e.actual());
  }

  @Test
  void theDefaultTocCapIsContainersStorages150MiB() {
    assertEquals(150L << 20, LayerFormats.options().build().maxTocSize());
    assertEquals("TOC of blob b is 157286401 bytes uncompressed, over the 150 MiB cap",
        LayerFormat.overCap("b", (150L << 20) + 1, " uncompressed", 150L << 20));
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void aTocOverTheSizeLimitIsRejected(String fixture) throws Exception {
    Path blob = Shared.fixture("edge." + fixture + ".blob");
    for (OpenOptions.Builder o : List.of(LayerFormats.options(),
        LayerFormats.options().descriptor(descriptor(fixture)))) {
      InvalidTocException e = assertThrows(InvalidTocException.class,
          () -> LayerReader.open(FileRangeSource.open(blob), o.maxTocSize(100_000).build()));
      assertTrue(e.getMessage().matches(".*TOC of blob .*" + fixture + ".* is \\d+ bytes"
          + " (un)?compressed.*, over the 100000 bytes cap"), e.getMessage());
    }
    // the TOCs are 450-530 KB of JSON: a limit above that opens them
    LayerReader.open(FileRangeSource.open(blob),
        LayerFormats.options().maxTocSize(1_000_000).build()).close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void aTruncatedBlobIsRejected(String fixture) throws Exception {
    Path blob = BlobSurgery.copy(Shared.fixture("edge." + fixture + ".blob"), dir);
    long size = Files.size(blob);
    BlobSurgery.truncate(blob, size - 1000);
    InvalidFooterException noDescriptor = assertThrows(InvalidFooterException.class,
        () -> LayerReader.open(FileRangeSource.open(blob), LayerFormats.options().build()));
    assertTrue(noDescriptor.getMessage().contains("not a lazily pullable layer"),
        noDescriptor.getMessage());
    InvalidFooterException withDescriptor = assertThrows(InvalidFooterException.class,
        () -> LayerReader.open(FileRangeSource.open(blob), options(descriptor(fixture))));
    assertTrue(withDescriptor.getMessage().contains("the blob is " + (size - 1000)
        + " bytes but its descriptor says " + size), withDescriptor.getMessage());
    BlobSurgery.truncate(blob, 30);
    InvalidFooterException tiny = assertThrows(InvalidFooterException.class,
        () -> LayerReader.open(FileRangeSource.open(blob), LayerFormats.options().build()));
    assertTrue(tiny.getMessage().contains("too small"), tiny.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void aGarbageFooterIsRejected(String fixture) throws Exception {
    Path blob = BlobSurgery.copy(Shared.fixture("edge." + fixture + ".blob"), dir);
    byte[] b = Files.readAllBytes(blob);
    byte[] garbage = new byte[72];
    new Random(7).nextBytes(garbage);
    System.arraycopy(garbage, 0, b, b.length - garbage.length, garbage.length);
    Files.write(blob, b);
    InvalidFooterException e = assertThrows(InvalidFooterException.class,
        () -> LayerReader.open(FileRangeSource.open(blob), LayerFormats.options().build()));
    assertTrue(e.getMessage().startsWith(blob + ": not a lazily pullable layer"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"estargz, 51, 16", "zstd-stargz, 40, 0", "zstd-podman, 40, 0"})
  void aFooterPointingPastTheBlobIsRejected(String fixture, int footer, int offsetAt)
      throws Exception {
    Path blob = BlobSurgery.copy(Shared.fixture("edge." + fixture + ".blob"), dir);
    byte[] b = Files.readAllBytes(blob);
    int at = b.length - footer + offsetAt;
    if (fixture.equals("estargz")) {
      System.arraycopy("00000000ffffffff".getBytes(), 0, b, at, 16);
    } else {
      b[at + 5] = 0x7f;
    }
    Files.write(blob, b);
    InvalidFooterException e = assertThrows(InvalidFooterException.class,
        () -> LayerReader.open(FileRangeSource.open(blob), LayerFormats.options().build()));
    assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
      "estargz, dotdot", "estargz, absolute", "estargz, overlap",
      "zstd-stargz, dotdot", "zstd-stargz, absolute", "zstd-stargz, overlap",
      "zstd-podman, dotdot", "zstd-podman, absolute", "zstd-podman, overlap"})
  void aHandBuiltTocWithUnsafeNamesOrOverlappingChunksIsRejected(String fixture, String edit)
      throws Exception {
    Path src = Shared.fixture("edge." + fixture + ".blob");
    Path out = dir.resolve("bad." + fixture + ".blob");
    Consumer<ObjectNode> change = switch (edit) {
      case "dotdot" -> rename("etc/hostname", "../etc/hostname");
      case "absolute" -> rename("etc/hostname", "/etc/hostname");
      default -> shiftSecondChunk(BIG, -1);
    };
    BlobSurgery.Rewritten bad = fixture.equals("estargz")
        ? BlobSurgery.rewriteEstargzToc(src, out, change)
        : BlobSurgery.rewriteZstdToc(src, out, fixture.equals("zstd-stargz"), change);
    for (OpenOptions o : new OpenOptions[] {
        LayerFormats.options().expectedTocDigest(bad.tocDigest()).build(),
        LayerFormats.options().build()}) {
      InvalidTocException e = assertThrows(InvalidTocException.class,
          () -> LayerReader.open(FileRangeSource.open(bad.blob()), o));
      String name = edit.equals("overlap") ? BIG : edit.equals("dotdot") ? "../etc/hostname"
          : "/etc/hostname";
      assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
      assertTrue(e.getMessage().contains(edit.equals("overlap") ? "overlaps the previous chunk"
          : edit.equals("dotdot") ? "'..' path component" : "is absolute"), e.getMessage());
    }
  }

  @Test
  void theUneditedRewriteStillReads() throws Exception {
    // the surgery itself is sound: without an edit the rewritten blobs open and verify
    for (String fixture : new String[] {"estargz", "zstd-stargz", "zstd-podman"}) {
      Path src = Shared.fixture("edge." + fixture + ".blob");
      Path out = dir.resolve("same." + fixture + ".blob");
      BlobSurgery.Rewritten same = fixture.equals("estargz")
          ? BlobSurgery.rewriteEstargzToc(src, out, t -> { })
          : BlobSurgery.rewriteZstdToc(src, out, fixture.equals("zstd-stargz"), t -> { });
      try (LayerReader r = LayerReader.open(FileRangeSource.open(same.blob()),
          LayerFormats.options().expectedTocDigest(same.tocDigest()).build())) {
        assertTrue(r.layer().toc().verified());
        assertEquals(1500, r.index().children("many").size());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "zstd", "tar"})
  void aPlainLayerIsNotALazyOne(String kind) throws Exception {
    Path tar = Shared.fixture("edge.tar");
    Path blob = dir.resolve("plain." + kind);
    switch (kind) {
      case "gzip" -> {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(blob))) {
          Files.copy(tar, o);
        }
      }
      case "zstd" -> Files.write(blob, com.github.luben.zstd.Zstd.compress(Files.readAllBytes(tar)));
      default -> Files.copy(tar, blob);
    }
    InvalidFooterException e = assertThrows(InvalidFooterException.class,
        () -> LayerReader.open(FileRangeSource.open(blob), LayerFormats.options().build()));
    assertTrue(e.getMessage().startsWith(blob + ": not a lazily pullable layer"), e.getMessage());
  }

  private static Consumer<ObjectNode> rename(String from, String to) {
    return toc -> {
      for (JsonNode e : toc.get("entries")) {
        if (TarListing.normalise(e.get("name").asText()).equals(from)) {
          ((ObjectNode) e).put("name", to);
        }
      }
    };
  }

  private static Consumer<ObjectNode> shiftSecondChunk(String file, long by) {
    return toc -> {
      int seen = 0;
      for (JsonNode e : toc.get("entries")) {
        if (TarListing.normalise(e.get("name").asText()).equals(file) && ++seen == 2) {
          ((ObjectNode) e).put("chunkOffset", e.get("chunkOffset").asLong() + by);
        }
      }
    };
  }

  private static Map<String, String> wholeStreamDigests(Path blob) throws IOException {
    Map<String, String> out = new HashMap<>();
    try (InputStream in = LayerDecompression.open(blob)) {
      for (EntryFacts f : TarListing.list(in, Set.of()).values()) {
        out.put(f.name(), f.digest());
      }
    }
    return out;
  }

  private static OpenOptions options(LayerDescriptor d) {
    return LayerFormats.options().descriptor(d).build();
  }

  static LayerDescriptor descriptor(String fixture) throws IOException {
    return org.stargzstore.zstdchunked.conformance.Fixtures.descriptor("edge." + fixture + ".json");
  }
}
