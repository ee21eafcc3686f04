package org.stargzstore.estargz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.InvalidFooterException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;

class EstargzFormatTest {
  /** containerd.io/snapshot/stargz/toc.digest of the fixture, from edge.estargz.json. */
  private static final Digest FIXTURE_TOC =
      Digest.parse("sha256:b44396a515d1ae4f2130545e68792371100cffd3b13aec0689a68a09f50ddf44");

  @TempDir
  Path dir;

  @Test
  void readsTheLegacy47ByteStargzFooter() throws Exception {
    byte[] blob = Files.readAllBytes(Shared.fixture("edge.estargz.blob"));
    long tocOffset = Long.parseLong(new String(blob, blob.length - 51 + 16, 16,
        StandardCharsets.US_ASCII), 16);
    byte[] legacy = legacyFooter(tocOffset);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(legacy))) {
      assertEquals(0, in.readAllBytes().length, "the hand-made footer is a valid empty gzip");
    }
    Path old = dir.resolve("legacy.blob");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(blob, 0, blob.length - 51);
    out.write(legacy);
    Files.write(old, out.toByteArray());

    OpenOptions o = OpenOptions.builder().expectedTocDigest(FIXTURE_TOC).build();
    try (LayerReader current = LayerReader.open(FileRangeSource.open(Shared.fixture(
        "edge.estargz.blob")), o);
        LayerReader r = LayerReader.open(FileRangeSource.open(old), o)) {
      assertTrue(r.layer().toc().verified());
      assertEquals(current.index().entries().size(), r.index().entries().size());
      LayerEntry f = r.index().entry("bin/rand-65537").orElseThrow();
      assertEquals(current.index().entry("bin/rand-65537").orElseThrow().chunks(), f.chunks());
      assertEquals(Digest.parse(
          "sha256:de0a2ad491a5e6ba57b181cc8862b0a27df3056fdb11592c5b5b35e43a29671c"),
          Digest.of(r.openFile(f).readAllBytes()), "the digest edge.estargz's TOC states");
      LayerEntry toc = r.index().entry("stargz.index.json").orElseThrow();
      assertEquals(FIXTURE_TOC, Digest.of(r.openFile(toc).readAllBytes()),
          "the TOC file reads back through the legacy footer's TOC member");
      assertEquals(old.toFile().length() - 47, toc.chunks().get(0).compressedEnd());
    }
  }

  @Test
  void theTocIsAFileOfTheLayerWithTheAttributesOfItsTarHeader() throws Exception {
    byte[] blob = Files.readAllBytes(Shared.fixture("edge.estargz.blob"));
    TarArchiveEntry header = null;
    byte[] tocJson = null;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(
        new GZIPInputStream(new ByteArrayInputStream(blob)))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        header = e;
        tocJson = tar.readAllBytes();
      }
    }
    assertEquals("stargz.index.json", header.getName(), "the TOC is the tar's last entry");
    OpenOptions o = OpenOptions.builder().expectedTocDigest(FIXTURE_TOC).build();
    try (LayerReader r = LayerReader.open(FileRangeSource.open(Shared.fixture(
        "edge.estargz.blob")), o)) {
      List<LayerEntry> all = r.index().entries();
      LayerEntry toc = all.get(all.size() - 1);
      assertEquals("stargz.index.json", toc.name());
      assertEquals(EntryType.REG, toc.type());
      assertEquals(header.getMode() & 07777, toc.mode());
      assertEquals(header.getLongUserId(), toc.uid());
      assertEquals(header.getLongGroupId(), toc.gid());
      assertEquals(header.getUserName(), toc.userName());
      assertEquals(header.getGroupName(), toc.groupName());
      assertEquals(header.getLastModifiedTime().toInstant(), toc.modTime());
      assertEquals(header.getSize(), toc.size());
      assertEquals(Optional.of(FIXTURE_TOC), toc.digest());
      assertArrayEquals(tocJson, r.openFile(toc).readAllBytes());
      Chunk c = toc.chunks().get(0);
      assertEquals(r.index().tocOffset(), c.compressedOffset());
      assertEquals(blob.length - 51, c.compressedEnd());
      assertEquals(512, c.innerOffset(), "a bare USTAR header, as the reference writer writes");
      LayerEntry landmark = r.index().entry(".prefetch.landmark").orElseThrow();
      assertArrayEquals(new byte[] {0x0f}, r.openFile(landmark).readAllBytes());
      assertEquals(0, landmark.mode());
    }
  }

  @Test
  void theTocFilesAttributesComeFromAHeaderWithPaxRecords() throws Exception {
    byte[] json = "{\"version\":1,\"entries\":[]}".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream member = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(member))) {
      TarArchiveEntry h = new TarArchiveEntry("stargz.index.json");
      h.setSize(json.length);
      h.setMode(0640);
      h.setIds(1000, 1001);
      h.setUserName("builder");
      h.setGroupName("staff");
      h.setModTime(java.nio.file.attribute.FileTime.from(
          java.time.Instant.parse("2024-01-02T03:04:05Z")));
      h.addPaxHeader("SCHILY.xattr.user.note", "toc");
      tar.putArchiveEntry(h);
      tar.write(json);
      tar.closeArchiveEntry();
    }
    byte[] unit = member.toByteArray();
    long at = 1000;
    EstargzFormat f = new EstargzFormat();
    LayerEntry toc = f.readToc(unit, new org.stargzstore.estargz.layer.TocLocation(at,
        unit.length, -1), Digest.of(json), "blob").index().entry("stargz.index.json")
        .orElseThrow();
    assertEquals(0640, toc.mode());
    assertEquals(1000, toc.uid());
    assertEquals(1001, toc.gid());
    assertEquals("builder", toc.userName());
    assertEquals("staff", toc.groupName());
    assertEquals(java.time.Instant.parse("2024-01-02T03:04:05Z"), toc.modTime());
    assertArrayEquals("toc".getBytes(StandardCharsets.UTF_8), toc.xattr("user.note"));
    Chunk c = toc.chunks().get(0);
    assertEquals(new Chunk("stargz.index.json", 0, json.length, at, at + unit.length,
        3 * 512, Digest.of(json), false), c, "the JSON follows the PAX header and the header");
    assertArrayEquals(json, f.codec().decode(unit, 0, unit.length, c, "blob"));
  }

  @Test
  void tocFileBytesOtherThanTheVerifiedJsonAreRefused() throws Exception {
    OpenOptions o = OpenOptions.builder().expectedTocDigest(FIXTURE_TOC).build();
    Chunk c;
    try (LayerReader r = LayerReader.open(FileRangeSource.open(Shared.fixture(
        "edge.estargz.blob")), o)) {
      c = r.index().entry("stargz.index.json").orElseThrow().chunks().get(0);
    }
    // the same layer, read through a TOC chunk that points at other bytes: a reader opened
    // on the real blob must refuse them rather than serve them as the TOC
    Chunk elsewhere = new Chunk(c.fileName(), 0, c.size(), c.compressedOffset(),
        c.compressedEnd(), c.innerOffset() - 1, c.digest(), false);
    try (LayerReader r = LayerReader.open(FileRangeSource.open(Shared.fixture(
        "edge.estargz.blob")), o)) {
      assertThrows(org.stargzstore.estargz.ChunkDigestMismatchException.class,
          () -> r.readChunk(elsewhere));
      assertEquals(FIXTURE_TOC, Digest.of(r.readChunk(c)));
    }
  }

  @Test
  void aZstdBlobIsNotAnEstargzOne() {
    InvalidFooterException e = assertThrows(InvalidFooterException.class,
        () -> LayerReader.open(FileRangeSource.open(Shared.fixture("edge.zstd-stargz.blob")),
            OpenOptions.builder().build()));
    assertTrue(e.getMessage().contains("no eStargz footer"), e.getMessage());
  }

  @Test
  void gzipCodecContinuesAcrossMembersAndStopsWhereTheChunkEnds() throws Exception {
    byte[] a = random(70_000, 1);
    byte[] b = random(30_000, 2);
    ByteArrayOutputStream unit = new ByteArrayOutputStream();
    unit.write(gzip(a));
    unit.write(gzip(b));
    unit.write("not gzip at all".getBytes(StandardCharsets.US_ASCII));
    byte[] u = unit.toByteArray();
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    GzipChunkCodec codec = new GzipChunkCodec();
    assertArrayEquals(both, codec.decodePrefix(u, 0, u.length, both.length, "unit"));
    Chunk inner = new Chunk("f", 0, 1000, 0, u.length, 69_500, Digest.of(new byte[0]), false);
    assertArrayEquals(Arrays.copyOfRange(both, 69_500, 70_500),
        codec.decode(u, 0, u.length, inner, "unit"));
    LayerFormatException e = assertThrows(LayerFormatException.class,
        () -> codec.decodePrefix(u, 0, u.length, both.length + 1, "unit"));
    assertTrue(e.getMessage().contains("is not a gzip member (decoded 100000 of 100001 bytes)"),
        e.getMessage());
  }

  /**
   * The 47-byte footer of the original stargz (google/crfs), as stargz-snapshotter's
   * {@code LegacyGzipDecompressor} parses it: a gzip header whose extra field is
   * {@code %016x STARGZ} without a subfield header, then an empty stored block and trailer.
   */
  private static byte[] legacyFooter(long tocOffset) {
    ByteBuffer b = ByteBuffer.allocate(47).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {0x1f, (byte) 0x8b, 8, 4, 0, 0, 0, 0, 0, (byte) 0xff});
    b.putShort((short) 22);
    b.put(String.format("%016xSTARGZ", tocOffset).getBytes(StandardCharsets.US_ASCII));
    b.put(new byte[] {1, 0, 0, (byte) 0xff, (byte) 0xff});
    b.putInt(0).putInt(0);
    return b.array();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    for (int i = 0; i < n; i += 3) {
      b[i] = 'x';
    }
    return b;
  }
}
