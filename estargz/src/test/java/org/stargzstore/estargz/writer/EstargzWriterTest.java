package org.stargzstore.estargz.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stargzstore.estargz.writer.WriterTestSupport.estargzToc;
import static org.stargzstore.estargz.writer.WriterTestSupport.sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.ReferenceToc;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.testkit.TarMembers;
import org.stargzstore.types.LayerDescriptor;

/**
 * eStargz written by {@link EstargzWriter} checked against independent implementations: the
 * reference reader ({@code refgen verify} opens the blob and verifies every chunk), the reference
 * builder ({@code refgen build} makes the same layer: same TOC apart from offsets), GNU gzip plus
 * Commons Compress (the blob is an ordinary tar.gz of the input's entries, and its sha256 is our
 * diffID).
 */
@IntegrationTest
class EstargzWriterTest {
  @TempDir
  static Path dir;
  static Path edge;
  static Path tree;

  @BeforeAll
  static void corpora() throws IOException {
    edge = TarCorpus.edge(dir.resolve("edge.tar"));
    tree = TarCorpus.tree(dir.resolve("tree.tar"), realDirectory());
  }

  /** A real directory of this machine: time zone data (symlinks, many small files). */
  static Path realDirectory() {
    Path zoneinfo = Path.of("/usr/share/zoneinfo");
    return Files.isDirectory(zoneinfo) ? zoneinfo
        : org.stargzstore.testkit.Shared.projectRoot().resolve("estargz/src");
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
        new Case("edge", 65536, List.of("etc/hostname", "bin/rand-4096")),
        new Case("edge", 100_000, List.of("./bin/hard", "/deep/level00/level01", "etc/owned")),
        new Case("edge", 4096, List.of()),
        new Case("tree", StargzLayerWriter.DEFAULT_CHUNK_SIZE, List.of()),
        new Case("tree", 8192, List.of("Europe/Paris", "UTC", "posixrules")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void convertsAsTheReferenceDoes(Case c) throws Exception {
    Path blob = dir.resolve("out-" + c.hashCode() + ".esgz");
    StargzLayerWriter w = EstargzWriter.builder().chunkSize(c.chunkSize())
        .prioritizedFiles(c.prioritized()).build();
    LayerWriteResult r = WriterTestSupport.convert(w, c.tar(), blob);

    assertEquals(sha256(blob), r.digest().toString());
    assertEquals(Files.size(blob), r.size());
    assertEquals(LayerWriteResult.MEDIA_TYPE_GZIP, r.mediaType());
    assertEquals(r.tocDigest().toString(), r.annotations().get(LayerDescriptor.STARGZ_TOC_DIGEST));

    // The reference reader opens it and verifies every chunk against the TOC.
    ExternalTools.Result v = WriterTestSupport.refgenVerify("gzip", blob, r.tocDigest().toString());
    assertEquals(0, v.exitCode(), v.output());
    assertTrue(v.output().startsWith("verified "), v.output());

    // gzip reads it as one stream: its sha256 is the diffID, its length the annotation.
    Path plain = dir.resolve("plain-" + c.hashCode() + ".tar");
    WriterTestSupport.decompress("gzip", blob, plain);
    assertEquals(sha256(plain), r.diffId().toString());
    assertEquals(Files.size(plain), r.uncompressedSize());
    assertEquals(Long.toString(Files.size(plain)),
        r.annotations().get(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE));

    // Same entries, metadata and bytes as the input (plus the format's own files).
    List<TarMembers.Entry> in = TarMembers.of(c.tar());
    List<TarMembers.Entry> out = withoutMetadata(TarMembers.of(plain));
    if (c.prioritized().isEmpty()) {
      assertEquals(in, out);
    } else {
      assertEquals(Set.copyOf(in), Set.copyOf(out));
      assertEquals(in.size(), out.size());
      for (String p : c.prioritized()) {
        String clean = StargzEntryOrder.cleanName(p);
        int pos = indexOf(out, clean);
        assertTrue(pos >= 0 && pos < indexOf(TarMembers.of(plain), ".prefetch.landmark"),
            p + " comes before the landmark");
      }
    }
    List<TarMembers.Entry> all = TarMembers.of(plain);
    assertEquals(c.prioritized().isEmpty() ? ".no.prefetch.landmark" : ".prefetch.landmark",
        all.stream().filter(e -> e.name().endsWith("landmark")).findFirst().orElseThrow().name());
    assertEquals("stargz.index.json", all.get(all.size() - 1).name());

    // The annotation measures the prioritized files: every chunk of theirs lies before it.
    Map<String, Object> toc = estargzToc(blob);
    if (c.prioritized().isEmpty()) {
      assertEquals(null, r.annotations().get(LayerDescriptor.PREFETCH_SIZE));
    } else {
      long landmarkAt = -1;
      long lastPrioritizedChunk = -1;
      for (Object o : (List<?>) toc.get("entries")) {
        Map<?, ?> e = (Map<?, ?>) o;
        String name = StargzEntryOrder.cleanName((String) e.get("name"));
        long offset = e.get("offset") == null ? 0 : ((Number) e.get("offset")).longValue();
        if (name.equals(".prefetch.landmark")) {
          landmarkAt = offset;
        } else if (landmarkAt < 0 && offset > 0) {
          lastPrioritizedChunk = Math.max(lastPrioritizedChunk, offset);
        }
      }
      assertEquals(Long.toString(landmarkAt), r.annotations().get(LayerDescriptor.PREFETCH_SIZE));
      assertTrue(lastPrioritizedChunk < landmarkAt, lastPrioritizedChunk + " < " + landmarkAt);
    }

    // The reference builder makes the same TOC for the same input and options.
    Path ref = dir.resolve("ref-" + c.hashCode() + ".esgz");
    WriterTestSupport.refgenBuild("gzip", c.tar(), ref, c.chunkSize(), c.prioritized());
    ReferenceToc.assertSame(estargzToc(ref), estargzToc(blob));
  }

  @Test
  void missingPrioritizedFileIsReportedNotFatal() throws Exception {
    Path blob = dir.resolve("missing.esgz");
    LayerWriteResult r = WriterTestSupport.convert(EstargzWriter.builder()
        .prioritizedFiles(List.of("etc/hostname", "no/such/file")).build(), edge, blob);
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    assertTrue(r.warnings().get(0).contains("no/such/file"));
    Path plain = dir.resolve("missing.tar");
    WriterTestSupport.decompress("gzip", blob, plain);
    List<TarMembers.Entry> all = TarMembers.of(plain);
    assertEquals(List.of("etc/", "etc/hostname", ".prefetch.landmark"),
        all.subList(0, 3).stream().map(TarMembers.Entry::name).toList());
  }

  @Test
  void convertingItsOwnOutputKeepsOneTocAndOneLandmark() throws Exception {
    Path first = dir.resolve("twice-1.esgz");
    WriterTestSupport.convert(EstargzWriter.builder().build(), edge, first);
    Path plain = dir.resolve("twice-1.tar");
    WriterTestSupport.decompress("gzip", first, plain);
    Path second = dir.resolve("twice-2.esgz");
    LayerWriteResult r = WriterTestSupport.convert(EstargzWriter.builder()
        .prioritizedFiles(List.of("etc/hostname")).build(), plain, second);
    assertEquals(0, WriterTestSupport.refgenVerify("gzip", second, r.tocDigest().toString())
        .exitCode());
    Path plain2 = dir.resolve("twice-2.tar");
    WriterTestSupport.decompress("gzip", second, plain2);
    List<String> names = TarMembers.of(plain2).stream().map(TarMembers.Entry::name).toList();
    assertEquals(1, names.stream().filter("stargz.index.json"::equals).count());
    assertEquals(1, names.stream().filter(n -> n.endsWith("landmark")).count());
    assertTrue(names.contains(".prefetch.landmark"));
    assertEquals(withoutMetadata(TarMembers.of(edge)).size(), names.size() - 2);
  }

  @Test
  void laterEntryOfTheSameNameWins() throws Exception {
    Path tar = dir.resolve("dup.tar");
    TarTestFiles.write(tar, List.of(
        TarTestFiles.file("a.txt", "first\n"),
        TarTestFiles.file("b.txt", "b\n"),
        TarTestFiles.file("./a.txt", "second\n")));
    Path blob = dir.resolve("dup.esgz");
    LayerWriteResult r = WriterTestSupport.convert(EstargzWriter.builder().build(), tar, blob);
    assertEquals(0, WriterTestSupport.refgenVerify("gzip", blob, r.tocDigest().toString())
        .exitCode());
    Path plain = dir.resolve("dup-out.tar");
    WriterTestSupport.decompress("gzip", blob, plain);
    List<TarMembers.Entry> out = withoutMetadata(TarMembers.of(plain));
    assertEquals(List.of("b.txt", "./a.txt"), out.stream().map(TarMembers.Entry::name).toList());
    assertEquals(TarMembers.of(tar).get(2), out.get(1));
  }

  static List<TarMembers.Entry> withoutMetadata(List<TarMembers.Entry> entries) {
    Set<String> meta = new HashSet<>(List.of(StargzEntryOrder.TOC_NAME,
        StargzEntryOrder.PREFETCH_LANDMARK, StargzEntryOrder.NO_PREFETCH_LANDMARK));
    List<TarMembers.Entry> out = new ArrayList<>();
    for (TarMembers.Entry e : entries) {
      if (!meta.contains(e.name())) {
        out.add(e);
      }
    }
    return out;
  }

  private static int indexOf(List<TarMembers.Entry> entries, String cleanName) {
    for (int i = 0; i < entries.size(); i++) {
      if (StargzEntryOrder.cleanName(entries.get(i).name()).equals(cleanName)) {
        return i;
      }
    }
    return -1;
  }
}
