package org.stargzstore.estargz.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.estargz.toc.Toc;
import org.stargzstore.estargz.toc.TocEntry;
import org.stargzstore.types.Digest;

/** The indexing rules of docs/architecture.md, one TOC built by hand per rule. */
class TocIndexerTest {
  private static final long TOC_AT = 10_000;
  private static final Digest D1 = Digest.of(new byte[] {1});
  private static final Digest D2 = Digest.of(new byte[] {2});
  private static final Digest D3 = Digest.of(new byte[] {3});

  @Test
  void makesUpTheRootAndMissingParentsBeforeTheirFirstChild() throws Exception {
    LayerIndex x = index(reg("a/b/c.txt", 0));
    assertEquals(List.of("", "a", "a/b", "a/b/c.txt"), names(x));
    LayerEntry made = x.entry("a/b").orElseThrow();
    assertEquals(EntryType.DIR, made.type());
    assertEquals(0755, made.mode());
    assertEquals(Instant.EPOCH, made.modTime());
    assertEquals(List.of(x.entry("a/b/c.txt").orElseThrow()), x.children("a/b"));
  }

  @Test
  void aRootEntryGivesTheRootItsMetadataAndStaysFirst() throws Exception {
    LayerIndex x = index(dir("etc/"), TocEntry.builder().name("./").type("dir").mode(0700)
        .uid(5).build());
    assertEquals(List.of("", "etc"), names(x));
    assertEquals(0700, x.root().mode());
    assertEquals(5, x.root().uid());
  }

  @Test
  void aDirectoryListedAfterItsChildrenReplacesTheMadeUpOne() throws Exception {
    LayerIndex x = index(reg("d/f", 0), TocEntry.builder().name("d/").type("dir").mode(0711)
        .build());
    assertEquals(List.of("", "d", "d/f"), names(x));
    assertEquals(0711, x.entry("d").orElseThrow().mode());
  }

  @Test
  void theLaterOfTwoEntriesWithOneNameWinsInThePlaceOfTheFirst() throws Exception {
    LayerIndex x = index(
        TocEntry.builder().name("f").type("symlink").linkName("x").build(),
        reg("g", 0),
        TocEntry.builder().name("./f").type("reg").mode(0600).build());
    assertEquals(List.of("", "f", "g"), names(x));
    assertEquals(EntryType.REG, x.entry("f").orElseThrow().type());
    assertEquals(0600, x.entry("f").orElseThrow().mode());
  }

  @Test
  void aDirectoryWithEntriesCannotBeReplacedByAFile() {
    InvalidTocException e = assertThrows(InvalidTocException.class,
        () -> index(dir("d/"), reg("d/f", 0), reg("d", 0)));
    assertTrue(e.getMessage().contains("replaces directory 'd', which has entries"),
        e.getMessage());
  }

  @Test
  void nothingCanBeInsideAFile() {
    InvalidTocException e = assertThrows(InvalidTocException.class,
        () -> index(reg("f", 0), reg("f/g", 0)));
    assertTrue(e.getMessage().contains("is inside 'f', which is a reg, not a directory"),
        e.getMessage());
  }

  @Test
  void unsafeNamesAreRejectedWithTheEntry() {
    InvalidTocException e = assertThrows(InvalidTocException.class,
        () -> index(dir("ok/"), reg("ok/../../etc/shadow", 0)));
    assertEquals("blob: TOC entry #1 'ok/../../etc/shadow': unsafe name, it has a '..' path"
        + " component", e.getMessage());
  }

  @Test
  void unknownTypesAreRejected() {
    InvalidTocException e = assertThrows(InvalidTocException.class,
        () -> index(TocEntry.builder().name("s").type("socket").build()));
    assertTrue(e.getMessage().contains("unknown type 'socket'"), e.getMessage());
  }

  @Test
  void aRegularFileAndItsChunkEntriesBecomeOneEntryWhoseChunksCoverIt() throws Exception {
    LayerIndex x = index(
        reg("f", 250).offset(100).chunkSize(100).chunkDigest(D1.toString()).build(),
        chunk("f", 100, 100, 300).chunkDigest(D2.toString()).build(),
        chunk("f", 200, 0, 500).chunkDigest(D3.toString()).build(),
        reg("g", 10).offset(700).digest(D1.toString()).build());
    List<Chunk> c = x.entry("f").orElseThrow().chunks();
    assertEquals(3, c.size());
    assertEquals(new Chunk("f", 0, 100, 100, 300, 0, D1, false), c.get(0));
    assertEquals(new Chunk("f", 100, 100, 300, 500, 0, D2, false), c.get(1));
    assertEquals(new Chunk("f", 200, 50, 500, 700, 0, D3, false), c.get(2),
        "chunkSize 0 runs to the end of the file; the unit ends where the next one starts");
    assertEquals(new Chunk("g", 0, 10, 700, TOC_AT, 0, D1, false),
        x.entry("g").orElseThrow().chunks().get(0),
        "a one-chunk file uses the file digest; the last unit ends at the TOC");
    assertEquals(List.of(c.get(0), c.get(1), c.get(2), x.entry("g").get().chunks().get(0)),
        x.chunksInBlobOrder());
  }

  @Test
  void chunksThatLeaveAGapOverlapOrRunPastTheEndAreRejected() {
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 300).offset(100).chunkSize(100).chunkDigest(D1.toString()).build(),
        chunk("f", 150, 150, 300).chunkDigest(D2.toString()).build()))
        .getMessage().contains("leaves a gap"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 300).offset(100).chunkSize(100).chunkDigest(D1.toString()).build(),
        chunk("f", 99, 201, 300).chunkDigest(D2.toString()).build()))
        .getMessage().contains("overlaps the previous chunk"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 300).offset(100).chunkSize(100).chunkDigest(D1.toString()).build(),
        chunk("f", 100, 250, 300).chunkDigest(D2.toString()).build()))
        .getMessage().contains("runs past the file's size 300"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 300).offset(100).chunkSize(100).chunkDigest(D1.toString()).build()))
        .getMessage().contains("chunks cover [0, 100) of a file of 300 bytes"));
  }

  @Test
  void chunkEntriesMustFollowTheirFile() {
    assertTrue(assertThrows(InvalidTocException.class,
        () -> index(chunk("f", 0, 10, 100).build())).getMessage()
        .contains("does not follow a regular file"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 20).offset(100).chunkSize(10).chunkDigest(D1.toString()).build(),
        chunk("g", 10, 10, 200).chunkDigest(D2.toString()).build())).getMessage()
        .contains("is a chunk entry of 'g' but follows regular file 'f'"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("e", 0).build(), chunk("e", 0, 5, 100).chunkDigest(D1.toString()).build()))
        .getMessage().contains("is an empty file but has chunk entries"));
  }

  @Test
  void aChunkThatCannotBeVerifiedOrLocatedIsRejected() {
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 20).offset(100).chunkSize(10).digest(D1.toString()).build(),
        chunk("f", 10, 10, 200).build())).getMessage()
        .contains("has no chunkDigest, so it cannot be verified"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 20).digest(D1.toString()).build())).getMessage()
        .contains("has no compressed offset"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 20).offset(TOC_AT).digest(D1.toString()).build())).getMessage()
        .contains("past the end of file data"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 20).offset(100).digest("sha256:abc").build())).getMessage()
        .contains("malformed digest 'sha256:abc'"));
  }

  @Test
  void containersStorageEndOffsetBoundsTheLastUnitAndZeroChunksNeedNoBytes()
      throws Exception {
    LayerIndex x = TocIndexer.index(new Toc(1, List.of(
        reg("f", 3000).offset(100).endOffset(400).chunkSize(1000).chunkDigest(D1.toString())
            .build(),
        chunk("f", 1000, 1500, 200).chunkType("zeros").build(),
        chunk("f", 2500, 500, 300).chunkDigest(D3.toString()).build(),
        reg("g", 5).offset(900).endOffset(950).digest(D2.toString()).build())),
        FormatKind.ZSTD_CHUNKED_STORAGE, TOC_AT, "blob");
    List<Chunk> c = x.entry("f").orElseThrow().chunks();
    assertEquals(new Chunk("f", 0, 1000, 100, 300, 0, D1, false), c.get(0),
        "zero chunks do not start units");
    assertEquals(new Chunk("f", 1000, 1500, 200, 200, 0, Digest.of(new byte[1500]), true),
        c.get(1), "a zero chunk without a digest gets the digest of its zeros");
    assertEquals(new Chunk("f", 2500, 500, 300, 400, 0, D3, false), c.get(2),
        "endOffset ends the file's last unit before the next file's starts");
    assertEquals(950, x.entry("g").orElseThrow().chunks().get(0).compressedEnd());
    assertThrows(InvalidTocException.class, () -> TocIndexer.index(new Toc(1, List.of(
        reg("f", 10).offset(100).endOffset(100).digest(D1.toString()).build())),
        FormatKind.ZSTD_CHUNKED_STORAGE, TOC_AT, "blob"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        reg("f", 10).offset(100).chunkType("holes").digest(D1.toString()).build()))
        .getMessage().contains("unknown chunkType 'holes'"));
  }

  @Test
  void smallFilesSharingAUnitShareItsEnd() throws Exception {
    LayerIndex x = index(
        reg("a", 10).offset(100).digest(D1.toString()).build(),
        reg("b", 10).offset(100).innerOffset(522).digest(D2.toString()).build(),
        reg("c", 10).offset(400).digest(D3.toString()).build());
    assertEquals(new Chunk("b", 0, 10, 100, 400, 522, D2, false),
        x.entry("b").orElseThrow().chunks().get(0));
    assertEquals(400, x.entry("a").orElseThrow().chunks().get(0).compressedEnd());
  }

  @Test
  void landmarksNameThePrioritizedEntriesAndStayFilesOfTheLayer() throws Exception {
    LayerIndex x = index(dir("etc/"), reg("etc/hostname", 0),
        reg(".prefetch.landmark", 1).offset(300).digest(D1.toString()).build(),
        reg("etc/passwd", 5).offset(400).digest(D2.toString()).build(),
        reg("stargz.index.json", 0));
    assertEquals(Landmark.PREFETCH, x.landmark());
    assertEquals(List.of("etc", "etc/hostname"),
        x.prioritizedEntries().stream().map(LayerEntry::name).toList());
    LayerEntry landmark = x.entry(".prefetch.landmark").orElseThrow();
    assertEquals(List.of(new Chunk(".prefetch.landmark", 0, 1, 300, 400, 0, D1, false)),
        landmark.chunks());
    // the TOC cannot list itself: an entry of that name in it is not the layer's
    assertFalse(x.entry("stargz.index.json").isPresent());
    assertEquals(List.of("", "etc", "etc/hostname", ".prefetch.landmark", "etc/passwd"),
        names(x));
  }

  @Test
  void landmarksKeepTheirBareHeaderWithoutOwnerNames() throws Exception {
    LayerIndex x = index(
        TocEntry.builder().name("etc/").type("dir").userName("root").groupName("root").build(),
        reg(".no.prefetch.landmark", 1).offset(300).digest(D1.toString()).build(),
        reg("etc/motd", 0));
    assertEquals("", x.entry(".no.prefetch.landmark").orElseThrow().userName());
    assertEquals("", x.entry(".no.prefetch.landmark").orElseThrow().groupName());
    assertEquals("root", x.entry("etc/motd").orElseThrow().userName());
  }

  @Test
  void theTocsOwnTarEntryIsTheLastEntryAndReplacesOneTheTocLists() throws Exception {
    Digest toc = Digest.of("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    LayerEntry tocFile = LayerEntry.builder("stargz.index.json", EntryType.REG).size(2)
        .mode(0).digest(toc)
        .chunks(List.of(new Chunk("stargz.index.json", 0, 2, TOC_AT, TOC_AT + 90, 512, toc,
            false)))
        .build();
    LayerIndex x = TocIndexer.index(new Toc(1, List.of(reg("stargz.index.json", 7).offset(100)
            .digest(D1.toString()).build(), reg("a", 10).offset(200).digest(D2.toString())
            .build())), FormatKind.ESTARGZ, TOC_AT, "blob", tocFile);
    assertEquals(List.of("", "a", "stargz.index.json"), names(x));
    assertEquals(tocFile, x.entry("stargz.index.json").orElseThrow());
    assertEquals(tocFile.chunks().get(0),
        x.chunksInBlobOrder().get(x.chunksInBlobOrder().size() - 1));
    assertEquals(TOC_AT, x.entry("a").orElseThrow().chunks().get(0).compressedEnd(),
        "the TOC file does not move the end of the data");
  }

  @Test
  void theTocsOwnTarEntryCannotReplaceADirectoryWithEntries() {
    LayerEntry tocFile = LayerEntry.builder("stargz.index.json", EntryType.REG).build();
    InvalidTocException e = assertThrows(InvalidTocException.class, () -> TocIndexer.index(
        new Toc(1, List.of(reg("stargz.index.json/x", 0).build())), FormatKind.ESTARGZ, TOC_AT,
        "blob", tocFile));
    assertTrue(e.getMessage().contains("the TOC's own tar entry 'stargz.index.json' replaces"
        + " directory"), e.getMessage());
  }

  @Test
  void theLandmarkStillEndsThePreviousUnit() throws Exception {
    LayerIndex x = index(reg("a", 10).offset(100).digest(D1.toString()).build(),
        reg(".no.prefetch.landmark", 1).offset(300).digest(D2.toString()).build());
    assertEquals(Landmark.NO_PREFETCH, x.landmark());
    assertTrue(x.prioritizedEntries().isEmpty());
    assertEquals(300, x.entry("a").orElseThrow().chunks().get(0).compressedEnd());
  }

  @Test
  void containersStorageHasNoLandmarks() throws Exception {
    LayerIndex x = TocIndexer.index(new Toc(1, List.of(
        reg(".prefetch.landmark", 1).offset(300).endOffset(320).digest(D1.toString()).build())),
        FormatKind.ZSTD_CHUNKED_STORAGE, TOC_AT, "blob");
    assertEquals(Landmark.NONE, x.landmark());
    assertTrue(x.entry(".prefetch.landmark").isPresent());
  }

  @Test
  void ownerNamesMissingFromAnEntryComeFromTheLastEntryWithThatId() throws Exception {
    LayerIndex x = index(
        TocEntry.builder().name("a").type("dir").uid(7).gid(8).userName("app")
            .groupName("staff").build(),
        TocEntry.builder().name("a/b").type("dir").uid(7).gid(8).build(),
        TocEntry.builder().name("a/c").type("dir").uid(9).gid(7).build());
    LayerEntry b = x.entry("a/b").orElseThrow();
    assertEquals("app", b.userName());
    assertEquals("staff", b.groupName());
    LayerEntry c = x.entry("a/c").orElseThrow();
    assertEquals("", c.userName());
    assertEquals("", c.groupName(), "group names are looked up by gid, not uid");
  }

  @Test
  void modeKeepsPermissionAndSpecialBitsOnlyAndGoZeroTimeMeansUnset() throws Exception {
    LayerIndex x = index(TocEntry.builder().name("f").type("reg").mode(0100000 | 04755)
        .modTime(Instant.parse("0001-01-01T00:00:00Z")).build());
    LayerEntry f = x.entry("f").orElseThrow();
    assertEquals(04755, f.mode());
    assertEquals(Instant.EPOCH, f.modTime());
  }

  @Test
  void hardlinksAreNormalisedAndMustReachAFile() throws Exception {
    LayerIndex x = index(reg("bin/a", 0),
        TocEntry.builder().name("bin/b").type("hardlink").linkName("./bin/a").build(),
        TocEntry.builder().name("bin/c").type("hardlink").linkName("bin/b").build());
    LayerEntry c = x.entry("bin/c").orElseThrow();
    assertEquals("bin/b", c.linkName());
    assertEquals(x.entry("bin/a").orElseThrow(), x.resolveHardlink(c));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        TocEntry.builder().name("b").type("hardlink").linkName("nowhere").build()))
        .getMessage().contains("hardlink to 'nowhere', which is not in the layer"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(dir("d/"),
        TocEntry.builder().name("b").type("hardlink").linkName("d").build()))
        .getMessage().contains("hardlink to directory 'd'"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        TocEntry.builder().name("x").type("hardlink").linkName("y").build(),
        TocEntry.builder().name("y").type("hardlink").linkName("x").build()))
        .getMessage().contains("hardlink cycle"));
    assertTrue(assertThrows(InvalidTocException.class, () -> index(
        TocEntry.builder().name("x").type("hardlink").linkName("../etc/shadow").build()))
        .getMessage().contains("whose target '../etc/shadow' has a '..' path component"));
  }

  @Test
  void symlinkTargetsAreKeptAsWritten() throws Exception {
    LayerIndex x = index(TocEntry.builder().name("l").type("symlink")
        .linkName("../../outside/./x").build());
    assertEquals("../../outside/./x", x.entry("l").orElseThrow().linkName());
  }

  @Test
  void aZeroChunkWithoutDigestCannotMakeUsHashExabytesOfZeros() {
    // one line of JSON made the indexer hash 2^62 zeros (a hang); TocJsonFuzzTest replays it
    // as its seed bug-zero-chunk-hash-hang.json
    long huge = 1L << 62;
    InvalidTocException e = assertThrows(InvalidTocException.class, () -> TocIndexer.index(
        new Toc(1, List.of(reg("f", huge).chunkType("zeros").build())),
        FormatKind.ZSTD_CHUNKED_STORAGE, TOC_AT, "blob"));
    assertTrue(e.getMessage().contains("a zero chunk of " + huge + " bytes has no chunkDigest"),
        e.getMessage());
    // the budget is per TOC: many zero chunks of different sizes cannot add up either
    List<TocEntry> many = new ArrayList<>();
    long step = TocIndexer.MAX_ZERO_BYTES_HASHED / 4;
    many.add(reg("f", 8 * step).chunkSize(step).chunkType("zeros").build());
    for (int i = 1; i < 5; i++) {
      many.add(chunk("f", i * step + i * (i - 1) / 2, step + i, 0).chunkType("zeros").build());
    }
    assertThrows(InvalidTocException.class, () -> TocIndexer.index(new Toc(1, many),
        FormatKind.ZSTD_CHUNKED_STORAGE, TOC_AT, "blob"));
  }

  /** Indexes entries given as {@link TocEntry} or unbuilt {@link TocEntry.Builder}. */
  private static LayerIndex index(Object... entries) throws InvalidTocException {
    List<TocEntry> list = new ArrayList<>();
    for (Object o : entries) {
      list.add(o instanceof TocEntry.Builder b ? b.build() : (TocEntry) o);
    }
    return TocIndexer.index(new Toc(1, list), FormatKind.ESTARGZ, TOC_AT, "blob");
  }

  private static TocEntry.Builder reg(String name, long size) {
    return TocEntry.builder().name(name).type("reg").size(size);
  }

  private static TocEntry dir(String name) {
    return TocEntry.builder().name(name).type("dir").mode(0755).build();
  }

  private static TocEntry.Builder chunk(String name, long at, long size, long offset) {
    return TocEntry.builder().name(name).type("chunk").chunkOffset(at).chunkSize(size)
        .offset(offset);
  }

  private static List<String> names(LayerIndex x) {
    List<String> out = new ArrayList<>();
    x.entries().forEach(e -> out.add(e.name()));
    return out;
  }
}
