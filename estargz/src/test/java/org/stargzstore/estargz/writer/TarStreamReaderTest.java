package org.stargzstore.estargz.writer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.types.Digest;

/**
 * The tar parser against tars from other producers (Python's tarfile via corpus.py, GNU tar),
 * checked field by field against Apache Commons Compress, and byte for byte: the raw pieces it
 * returns must add up to the input.
 */
@IntegrationTest
class TarStreamReaderTest {
  @TempDir
  static Path dir;
  static Path edge;
  static Path tree;
  static Path gnuPosix;
  static Path gnuFormat;

  @BeforeAll
  static void corpora() throws Exception {
    edge = TarCorpus.edge(dir.resolve("edge.tar"));
    tree = TarCorpus.tree(dir.resolve("tree.tar"), EstargzWriterTest.realDirectory());
    Path src = Files.createDirectories(dir.resolve("src/" + "n".repeat(120)));
    Files.writeString(src.resolve("f".repeat(150)), "long names\n");
    Files.createSymbolicLink(src.resolve("link-" + "l".repeat(110)), Path.of("x".repeat(130)));
    Files.write(src.resolve("data"), new byte[70_000]);
    gnuPosix = gnuTar("posix", src.getParent());
    gnuFormat = gnuTar("gnu", src.getParent());
  }

  private static Path gnuTar(String format, Path src) throws IOException {
    Path out = dir.resolve("gnu-" + format + ".tar");
    ExternalTools.run(List.of("tar", "--format=" + format, "-cf", out.toString(), "-C",
        src.toString(), "."), 60).requireSuccess();
    return out;
  }

  @Test
  void agreesWithCommonsCompressOnEveryField() throws IOException {
    for (Path tar : List.of(edge, tree, gnuPosix, gnuFormat)) {
      List<TarArchiveEntry> want = new ArrayList<>();
      List<String> wantSha = new ArrayList<>();
      try (TarArchiveInputStream t = new TarArchiveInputStream(Files.newInputStream(tar), "UTF-8")) {
        for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
          want.add(e);
          wantSha.add(sha(t.readAllBytes()));
        }
      }
      TarStreamReader r = reader(tar);
      int i = 0;
      for (TarEntry e = r.next(); e != null; e = r.next(), i++) {
        TarArchiveEntry w = want.get(i);
        TarHeader h = e.header();
        String where = tar.getFileName() + " #" + i + " " + w.getName();
        assertEquals(w.getName(), h.name(), where);
        assertEquals(type(w), h.type(), where);
        assertEquals(w.getSize(), h.size(), where);
        assertEquals(w.getMode(), h.mode(), where);
        assertEquals(w.getLongUserId(), h.uid(), where);
        assertEquals(w.getLongGroupId(), h.gid(), where);
        assertEquals(w.getUserName(), h.userName(), where);
        assertEquals(w.getGroupName(), h.groupName(), where);
        assertEquals(w.getLastModifiedTime().toInstant(), h.modTime(), where);
        if (w.getLastAccessTime() != null) {
          assertEquals(w.getLastAccessTime().toInstant(), h.accessTime(), where);
        }
        if (w.getStatusChangeTime() != null) {
          assertEquals(w.getStatusChangeTime().toInstant(), h.changeTime(), where);
        }
        assertEquals(w.getLinkName(), h.linkName(), where);
        if (h.type() == EntryType.CHAR || h.type() == EntryType.BLOCK) {
          assertEquals(w.getDevMajor(), h.devMajor(), where);
          assertEquals(w.getDevMinor(), h.devMinor(), where);
        }
        Map<String, byte[]> x = h.xattrs();
        w.getExtraPaxHeaders().forEach((k, v) -> {
          if (k.startsWith("SCHILY.xattr.")) {
            assertArrayEquals(v.getBytes(StandardCharsets.UTF_8),
                x.get(k.substring("SCHILY.xattr.".length())), where + " xattr " + k);
          }
        });
        byte[] content = new byte[(int) e.contentLength()];
        int off = 0;
        for (int n; (n = r.readContent(content, off, content.length - off)) > 0; ) {
          off += n;
        }
        assertEquals(wantSha.get(i), sha(content), where);
      }
      assertEquals(want.size(), i, tar + ": number of entries");
    }
    // GNU tar's POSIX format stores sub-second times and atime/ctime: they must have been seen.
    TarEntry first = reader(gnuPosix).next();
    assertTrue(first.header().accessTime() != null && first.header().changeTime() != null);
  }

  @Test
  void rawPiecesAddUpToTheInputByteForByte() throws IOException {
    for (Path tar : List.of(edge, tree, gnuPosix, gnuFormat)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      TarStreamReader r = reader(tar);
      byte[] buf = new byte[8192];
      for (TarEntry e = r.next(); e != null; e = r.next()) {
        out.write(r.rawHeader());
        for (int n; (n = r.readContent(buf, 0, buf.length)) > 0; ) {
          out.write(buf, 0, n);
        }
        out.write(r.readPadding());
      }
      out.write(r.endOfArchive());
      out.write(r.remainder().readAllBytes());
      assertArrayEquals(Files.readAllBytes(tar), out.toByteArray(), tar.toString());
    }
  }

  @Test
  void keepsBinaryExtendedAttributesExactly() throws Exception {
    Path tar = dir.resolve("caps.tar");
    python("""
        import tarfile, io, sys
        ti = tarfile.TarInfo('bin/ping'); ti.size = 1
        cap = bytes([1, 0, 0, 2, 0, 0x20, 0, 0, 0xff, 0xfe, 0, 0]).decode('utf-8', 'surrogateescape')
        ti.pax_headers = {'SCHILY.xattr.security.capability': cap}
        t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)
        t.addfile(ti, io.BytesIO(b'x')); t.close()
        """, tar.toString());
    TarHeader h = reader(tar).next().header();
    assertArrayEquals(new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, (byte) 0xff, (byte) 0xfe, 0, 0},
        h.xattrs().get("security.capability"));
  }

  @Test
  void readsSubSecondPaxTimesToTheNanosecond() throws Exception {
    Path tar = dir.resolve("times.tar");
    python("""
        import tarfile, io, sys
        ti = tarfile.TarInfo('t'); ti.size = 0
        ti.pax_headers = {'mtime': '1700000000.123456789123', 'atime': '-1.5'}
        t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)
        t.addfile(ti); t.close()
        """, tar.toString());
    TarHeader h = reader(tar).next().header();
    assertEquals(java.time.Instant.ofEpochSecond(1_700_000_000L, 123_456_789), h.modTime());
    assertEquals(java.time.Instant.ofEpochSecond(-1, -500_000_000), h.accessTime());
  }

  @Test
  void rejectsWhatIsNotATar() throws IOException {
    Path notTar = dir.resolve("readme.txt");
    Files.writeString(notTar, "just some text, definitely longer than nothing\n".repeat(40));
    InvalidTarException e = assertThrows(InvalidTarException.class, () -> reader(notTar).next());
    assertTrue(e.getMessage().contains("not a tar archive"), e.getMessage());
    assertTrue(e.getMessage().startsWith(notTar.toString()), e.getMessage());
  }

  @Test
  void rejectsATruncatedTarNamingTheEntry() throws IOException {
    byte[] all = Files.readAllBytes(edge);
    Path cut = dir.resolve("cut.tar");
    Files.write(cut, Arrays.copyOf(all, 5 * 512 + 3000)); // inside bin/rand-4095's content
    InvalidTarException e = assertThrows(InvalidTarException.class, () -> {
      TarStreamReader r = reader(cut);
      while (r.next() != null) {
        // skipping content must notice the end of the input
      }
    });
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(e.getMessage().contains("bin/rand-"), e.getMessage());

    Path cutHeader = dir.resolve("cut-header.tar");
    Files.write(cutHeader, Arrays.copyOf(all, 512 + 100));
    InvalidTarException h = assertThrows(InvalidTarException.class, () -> {
      TarStreamReader r = reader(cutHeader);
      while (r.next() != null) {
        // next() reads the cut header
      }
    });
    assertTrue(h.getMessage().contains("truncated"), h.getMessage());
  }

  @Test
  void endsAtABlockBoundaryWithoutMarkerAsGoDoes() throws IOException {
    byte[] all = Files.readAllBytes(edge);
    TarStreamReader r = new TarStreamReader(new ByteArrayInputStream(all, 0, 1024 + 12), "no-padding");
    assertEquals("etc/", r.next().header().name());
    assertEquals("etc/hostname", r.next().header().name());
    assertEquals(12, r.readContent(new byte[100], 0, 100));
    assertArrayEquals(new byte[0], r.readPadding()); // input ends where the padding would be
    assertNull(r.next());
  }

  @Test
  void rejectsGlobalPaxHeadersAndSparseFiles() throws Exception {
    Path global = dir.resolve("global.tar");
    python("""
        import tarfile, io, sys
        t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT, pax_headers={'comment': 'x'})
        ti = tarfile.TarInfo('a'); ti.size = 1
        t.addfile(ti, io.BytesIO(b'a')); t.close()
        """, global.toString());
    InvalidTarException g = assertThrows(InvalidTarException.class, () -> reader(global).next());
    assertTrue(g.getMessage().contains("global PAX header"), g.getMessage());

    Path sparseDir = Files.createDirectories(dir.resolve("sparse"));
    ExternalTools.run(List.of("truncate", "-s", "1M", sparseDir.resolve("hole").toString()), 10)
        .requireSuccess();
    Path sparse = dir.resolve("sparse.tar");
    ExternalTools.run(List.of("tar", "--sparse", "--format=gnu", "-cf", sparse.toString(), "-C",
        sparseDir.toString(), "hole"), 60).requireSuccess();
    InvalidTarException s = assertThrows(InvalidTarException.class, () -> reader(sparse).next());
    assertTrue(s.getMessage().contains("sparse"), s.getMessage());
  }

  private static EntryType type(TarArchiveEntry e) {
    if (e.isDirectory()) {
      return EntryType.DIR;
    }
    if (e.isSymbolicLink()) {
      return EntryType.SYMLINK;
    }
    if (e.isLink()) {
      return EntryType.HARDLINK;
    }
    if (e.isCharacterDevice()) {
      return EntryType.CHAR;
    }
    if (e.isBlockDevice()) {
      return EntryType.BLOCK;
    }
    if (e.isFIFO()) {
      return EntryType.FIFO;
    }
    return EntryType.REG;
  }

  private static TarStreamReader reader(Path tar) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(tar));
    return new TarStreamReader(in, tar.toString());
  }

  private static String sha(byte[] b) {
    MessageDigest md = Digest.newSha256();
    return HexFormat.of().formatHex(md.digest(b));
  }

  private static void python(String script, String arg) throws IOException {
    Path f = Files.createTempFile(dir, "gen", ".py");
    Files.writeString(f, script.stripIndent());
    ExternalTools.run(List.of("python3", f.toString(), arg), 60).requireSuccess();
  }
}
