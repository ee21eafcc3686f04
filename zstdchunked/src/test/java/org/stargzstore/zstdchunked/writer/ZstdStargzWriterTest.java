package org.stargzstore.zstdchunked.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.footerLongs;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.json;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.sha256;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.slice;
import static org.stargzstore.zstdchunked.writer.ZstdTestSupport.unzstd;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.estargz.writer.StargzLayerWriter;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.ReferenceToc;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.testkit.TarMembers;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * zstd:chunked in the stargz-snapshotter flavour against the reference: {@code refgen verify
 * zstd} reads it and checks every chunk, {@code refgen build zstd} makes the same TOC, and the
 * system's {@code zstd} decompresses it to a tar with the input's entries whose sha256 is the
 * diffID.
 */
@IntegrationTest
class ZstdStargzWriterTest {
  @TempDir
  static Path dir;
  static Path edge;
  static Path tree;

  @BeforeAll
  static void corpora() throws IOException {
    edge = TarCorpus.edge(dir.resolve("edge.tar"));
    Path zoneinfo = Path.of("/usr/share/zoneinfo");
    tree = TarCorpus.tree(dir.resolve("tree.tar"), Files.isDirectory(zoneinfo) ? zoneinfo
        : Shared.projectRoot().resolve("zstdchunked/src"));
  }

  record Case(String corpus, int chunkSize, List<String> prioritized) {
    Path tar() {
      return corpus.equals("edge") ? edge : tree;
    }

    @Override
    public String toString() {
      return corpus + " chunk=" + chunkSize + " prio=" + prioritized;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("edge", StargzLayerWriter.DEFAULT_CHUNK_SIZE, List.of()),
        new Case("edge", 65536, List.of("etc/hostname", "bin/rand-4096", "bin/hard")),
        new Case("tree", 16384, List.of("Europe/Paris")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void convertsAsTheReferenceDoes(Case c) throws Exception {
    Path blob = dir.resolve("out-" + c.hashCode() + ".zst");
    LayerWriteResult r;
    try (OutputStream out = Files.newOutputStream(blob)) {
      r = ZstdStargzWriter.builder().chunkSize(c.chunkSize()).prioritizedFiles(c.prioritized())
          .build().write(c.tar(), out);
    }
    assertEquals(sha256(blob), r.digest().toString());
    assertEquals(LayerWriteResult.MEDIA_TYPE_ZSTD, r.mediaType());

    ExternalTools.Result v = ZstdTestSupport.refgenVerify("zstd", blob, r.tocDigest().toString());
    assertEquals(0, v.exitCode(), v.output());
    assertTrue(v.output().startsWith("verified "), v.output());

    Path plain = dir.resolve("plain-" + c.hashCode() + ".tar");
    ZstdTestSupport.decompress("zstd", blob, plain);
    assertEquals(sha256(plain), r.diffId().toString());
    assertEquals(Long.toString(Files.size(plain)),
        r.annotations().get(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE));
    List<TarMembers.Entry> in = TarMembers.of(c.tar());
    List<TarMembers.Entry> out = new ArrayList<>(TarMembers.of(plain));
    out.removeIf(e -> e.name().endsWith(".landmark"));
    if (c.prioritized().isEmpty()) {
      assertEquals(in, out);
    } else {
      assertEquals(Set.copyOf(in), Set.copyOf(out));
    }

    // Footer, TOC frame and annotations agree; the TOC digest is that of the JSON.
    byte[] b = Files.readAllBytes(blob);
    assertEquals("GnUlInUx", new String(b, b.length - 8, 8, StandardCharsets.US_ASCII));
    long[] f = footerLongs(b, 40, 4);
    byte[] tocFrame = slice(b, f[0], f[1]);
    byte[] tocJson = unzstd(tocFrame);
    assertEquals(f[2], tocJson.length);
    assertEquals(r.tocDigest(), Digest.of(tocJson));
    assertEquals(Digest.of(tocFrame).toString(),
        r.annotations().get(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM));
    assertEquals(f[0] + ":" + f[1] + ":" + f[2] + ":1",
        r.annotations().get(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION));

    Path ref = dir.resolve("ref-" + c.hashCode() + ".zst");
    ZstdTestSupport.refgenBuild("zstd", c.tar(), ref, c.chunkSize(), c.prioritized());
    byte[] rb = Files.readAllBytes(ref);
    long[] rf = footerLongs(rb, 40, 2);
    ReferenceToc.assertSame(json(unzstd(slice(rb, rf[0], rf[1]))), json(tocJson));
  }
}
