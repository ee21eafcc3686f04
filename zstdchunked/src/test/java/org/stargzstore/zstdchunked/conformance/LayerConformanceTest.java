package org.stargzstore.zstdchunked.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.stargzstore.estargz.TocDigestMismatchException;
import org.stargzstore.estargz.io.CountingRangeSource;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.Landmark;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.estargz.layer.TocIndexer;
import org.stargzstore.testkit.EntryFacts;
import org.stargzstore.testkit.TarListing;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerDecompression;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * The checks every lazily readable format and flavour must pass, run over the blobs a subclass
 * provides. The expected values never come from our code: they come from the blob decompressed
 * as a whole stream and read by Apache Commons Compress ({@link TarListing}), from the tar the
 * producer was given, and from what the producer reported (TOC digest, descriptor,
 * prioritized files).
 *
 * <p>Two normalisations, both about facts the formats leave open: extended attributes with an
 * empty value are left out on both sides (a POSIX pax record with an empty value unsets the
 * keyword; Commons Compress and containers/storage drop it, stargz-snapshotter keeps it), and
 * owner names are compared only for producers that record them and only where the tar has one
 * (the eStargz writer omits a name equal to the previous one for that id, so a TOC cannot say
 * "no name"; readers, the reference one included, take the last name seen for the id).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LayerConformanceTest {

  /** The blobs to check. */
  abstract List<Subject> subjects() throws Exception;

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void indexAndBytesEqualTheWholeStreamReadByCommonsCompress(Subject s) throws Exception {
    Map<String, EntryFacts> expected;
    try (InputStream in = LayerDecompression.open(s.blob())) {
      expected = TarListing.list(in, Set.of());
    }
    assertListing(s, expected, listWithOurReader(s));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void indexAndBytesEqualTheTarTheProducerWasGiven(Subject s) throws Exception {
    assumeTrue(s.originalTar() != null, "the producer rewrote the tar");
    Map<String, EntryFacts> expected;
    try (InputStream in = Files.newInputStream(s.originalTar())) {
      expected = TarListing.list(in, Set.of());
    }
    // the producer adds its metadata entries to the tar it was given
    Map<String, EntryFacts> ours = listWithOurReader(s);
    ours.keySet().removeAll(metadataNames(s.format()));
    assertListing(s, expected, ours);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void tocIsVerifiedAgainstTheProducersDigest(Subject s) throws Exception {
    try (LayerReader r = open(s)) {
      assertEquals(s.format(), r.index().format());
      assertEquals(s.format(), r.format().kind());
      assertTrue(r.layer().toc().verified(), "TOC not verified");
      assertEquals(s.expectedTocDigest(), r.layer().toc().tocDigest());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void aWrongTocDigestIsRejected(Subject s) throws Exception {
    Digest wrong = Digest.of(new byte[] {42});
    OpenOptions o = LayerFormats.options().expectedTocDigest(wrong).build();
    TocDigestMismatchException e = assertThrows(TocDigestMismatchException.class,
        () -> LayerReader.open(FileRangeSource.open(s.blob()), o).close());
    assertEquals(wrong, e.expected());
    assertEquals(s.expectedTocDigest(), e.actual(), "the digest the blob's TOC really has");
    assertTrue(e.getMessage().contains(s.blob().toString()), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void bulkReadingDeliversTheSameVerifiedBytes(Subject s) throws Exception {
    Map<String, String> expected = new HashMap<>();
    try (InputStream in = LayerDecompression.open(s.blob())) {
      TarListing.list(in, Set.of())
          .forEach((n, f) -> expected.put(n, f.digest()));
    }
    Map<String, TreeMap<Long, byte[]>> pieces = new ConcurrentHashMap<>();
    List<Long> blobOrder = new ArrayList<>();
    try (LayerReader r = open(s)) {
      r.readAll(2, (c, data) -> {
        assertEquals(c.size(), data.length);
        blobOrder.add(c.compressedOffset());
        pieces.computeIfAbsent(c.fileName(), k -> new TreeMap<>()).put(c.fileOffset(), data);
      });
      for (LayerEntry e : r.index().entries()) {
        if (!e.isRegular() || e.size() == 0) {
          continue;
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (byte[] b : pieces.get(e.name()).values()) {
          file.write(b);
        }
        assertEquals(expected.get(e.name()),
            TarListing.sha256(new java.io.ByteArrayInputStream(file.toByteArray())), e.name());
      }
    }
    for (int i = 1; i < blobOrder.size(); i++) {
      assertTrue(blobOrder.get(i - 1) <= blobOrder.get(i), "chunks not handed over in blob order");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void randomAccessAcrossChunkBoundariesMatchesSequentialReading(Subject s) throws Exception {
    try (LayerReader r = open(s)) {
      int checked = 0;
      for (LayerEntry e : r.index().entries()) {
        if (!e.isRegular() || e.chunks().size() < 2 || checked++ > 4) {
          continue;
        }
        byte[] whole;
        try (InputStream in = r.openFile(e)) {
          whole = in.readAllBytes();
        }
        for (Chunk c : e.chunks()) {
          for (long at : new long[] {c.fileOffset(), Math.max(0, c.fileOffset() - 7)}) {
            byte[] buf = new byte[(int) Math.min(100_000, e.size() - at)];
            int n = r.read(e, at, buf, 0, buf.length);
            assertEquals(buf.length, n);
            byte[] want = java.util.Arrays.copyOfRange(whole, (int) at, (int) at + n);
            assertArrayEquals(want, buf, e.name() + " at " + at);
          }
        }
        assertEquals(-1, r.read(e, e.size(), new byte[1], 0, 1));
      }
      assumeTrue(checked > 0, "no file with several chunks");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void openingCostsAtMostTwoReadsAndASmallFileOneReadOfItsUnit(Subject s) throws Exception {
    CountingRangeSource counting = new CountingRangeSource(FileRangeSource.open(s.blob()));
    OpenOptions o = LayerFormats.options().expectedTocDigest(s.expectedTocDigest()).build();
    try (LayerReader r = LayerReader.open(counting, o)) {
      long opened = counting.reads();
      assertTrue(opened <= 2, "opening took " + opened + " reads");
      LayerEntry small = smallestNonEmptyFile(r.index());
      long before = counting.bytesRead();
      try (InputStream in = r.openFile(small)) {
        in.readAllBytes();
      }
      assertEquals(opened + 1, counting.reads(), "reads for one small file");
      Chunk only = small.chunks().get(0);
      assertEquals(only.compressedLength(), counting.bytesRead() - before);
      assertTrue(only.compressedLength() < 64 << 10,
          "a " + small.size() + "-byte file fetched " + only.compressedLength() + " bytes");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void withTheDescriptorTheManifestPositionSavesTheFooterRead(Subject s) throws Exception {
    assumeTrue(s.descriptor() != null
        && s.descriptor().zstdChunkedManifestPosition().isPresent(), "no manifest position");
    CountingRangeSource counting = new CountingRangeSource(FileRangeSource.open(s.blob()));
    try (LayerReader r = LayerReader.open(counting,
        LayerFormats.options().descriptor(s.descriptor()).build())) {
      assertEquals(1, counting.reads());
      assertTrue(r.layer().toc().verified());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void landmarkAndPrioritizedEntriesAreWhatTheProducerWasAskedFor(Subject s) throws Exception {
    try (LayerReader r = open(s)) {
      LayerIndex index = r.index();
      assertEquals(s.landmark(), index.landmark());
      List<String> prio = index.prioritizedEntries().stream().map(LayerEntry::name).toList();
      for (String p : s.prioritized()) {
        assertTrue(prio.contains(p), p + " not prioritized: " + prio);
      }
      for (String n : prio) {
        boolean askedOrAncestor = s.prioritized().stream()
            .anyMatch(p -> p.equals(n) || p.startsWith(n + "/"));
        assertTrue(askedOrAncestor, n + " prioritized but not asked for");
      }
      if (s.landmark() != Landmark.PREFETCH) {
        assertTrue(prio.isEmpty());
      }
      // the landmark the producer wrote is a file of the layer, like eStargz's TOC
      boolean stargz = s.format() != FormatKind.ZSTD_CHUNKED_STORAGE;
      assertEquals(stargz && s.landmark() == Landmark.PREFETCH,
          index.entry(TocIndexer.PREFETCH_LANDMARK).isPresent());
      assertEquals(stargz && s.landmark() == Landmark.NO_PREFETCH,
          index.entry(TocIndexer.NO_PREFETCH_LANDMARK).isPresent());
      assertEquals(s.format() == FormatKind.ESTARGZ,
          index.entry(TocIndexer.TOC_TAR_NAME).isPresent());
    }
  }

  static LayerReader open(Subject s) throws IOException {
    OpenOptions.Builder o = LayerFormats.options();
    if (s.descriptor() != null) {
      o.descriptor(s.descriptor());
    } else {
      o.expectedTocDigest(s.tocDigest());
    }
    return LayerReader.open(FileRangeSource.open(s.blob()), o.build());
  }

  private static Map<String, EntryFacts> listWithOurReader(Subject s) throws IOException {
    try (LayerReader r = open(s)) {
      return ReaderListing.list(r);
    }
  }

  private static void assertListing(Subject s, Map<String, EntryFacts> expected,
      Map<String, EntryFacts> actual) {
    Map<String, EntryFacts> e = normalise(s, expected);
    Map<String, EntryFacts> a = normalise(s, actual);
    a.replaceAll((n, f) -> {
      EntryFacts want = e.get(n);
      EntryFacts got = want != null && want.userName().isEmpty() && want.groupName().isEmpty()
          ? f.withoutOwnerNames() : f;
      // a TOC keeps whole seconds; the reference producer rounds a sub-second mtime (a file
      // created by a package install, say) to the nearest second where a tar header truncates
      return want != null && got.mtime() == want.mtime() + 1 ? got.withMtime(want.mtime()) : got;
    });
    List<String> diff = TarListing.diff(e, a);
    assertTrue(diff.isEmpty(), s + ": " + diff.size() + " differences:\n"
        + String.join("\n", diff.subList(0, Math.min(20, diff.size()))));
    assertEquals(e.size(), a.size());
  }

  private static Map<String, EntryFacts> normalise(Subject s, Map<String, EntryFacts> in) {
    Map<String, EntryFacts> out = new LinkedHashMap<>();
    in.forEach((n, f) -> {
      Map<String, String> x = new TreeMap<>(f.xattrs());
      x.values().removeIf(String::isEmpty);
      EntryFacts g = f.withXattrs(x);
      out.put(n, s.tocHasOwnerNames() ? g : g.withoutOwnerNames());
    });
    return out;
  }

  /** The entries a stargz-made producer adds to the tar it was given. */
  static Set<String> metadataNames(FormatKind format) {
    return format == FormatKind.ZSTD_CHUNKED_STORAGE ? Set.of()
        : Set.of(TocIndexer.TOC_TAR_NAME, TocIndexer.PREFETCH_LANDMARK,
            TocIndexer.NO_PREFETCH_LANDMARK);
  }

  private static LayerEntry smallestNonEmptyFile(LayerIndex index) {
    return index.entries().stream()
        .filter(e -> e.isRegular() && e.size() > 0 && e.chunks().size() == 1
            && !e.chunks().get(0).zeros())
        .min(java.util.Comparator.comparingLong(LayerEntry::size))
        .orElseThrow();
  }
}
