package org.stargzstore.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.testkit.EntryFacts;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TarListing;
import org.stargzstore.zstdchunked.LayerDecompression;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * {@code stargz-registry-storage layer ...} run in-process on the shared fixtures; expected
 * listings and bytes come from the blob decompressed as a whole stream and read by Commons
 * Compress, and from {@code edge.tar}.
 */
@IntegrationTest
class LayerCommandTest {
  /** The entries a stargz producer adds to the tar it is given (edge.tar). */
  private static final Set<String> STARGZ_METADATA =
      Set.of("stargz.index.json", ".prefetch.landmark", ".no.prefetch.landmark");
  private static final String BIG = "bin/rand-1048576";

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void lsJsonListsExactlyTheEntriesOfTheWholeStream(String fixture) throws Exception {
    Run r = run("layer", "ls", "--json", blob(fixture), "--descriptor", json(fixture));
    assertEquals(0, r.code, r.err);
    assertEquals("", r.err);
    Map<String, EntryFacts> listed = parseLs(r.out);
    Map<String, EntryFacts> expected;
    try (InputStream in = LayerDecompression.open(Path.of(blob(fixture)))) {
      expected = TarListing.list(in, Set.of());
    }
    assertNoDiff(expected, listed);
    if (!fixture.equals("zstd-podman")) {
      assertTrue(listed.containsKey(".prefetch.landmark"), "the producer's landmark");
      assertEquals(fixture.equals("estargz"), listed.containsKey("stargz.index.json"));
      Map<String, EntryFacts> inputOnly = new java.util.LinkedHashMap<>(listed);
      inputOnly.keySet().removeAll(STARGZ_METADATA);
      try (InputStream in = Files.newInputStream(Shared.fixture("edge.tar"))) {
        assertNoDiff(TarListing.list(in, Set.of()), inputOnly);
      }
    }
    assertTrue(r.out.lines().allMatch(l -> !l.contains("\"name\":\"\"")), "root listed");
  }

  @Test
  void lsWithoutJsonIsATarTvLikeListing() throws Exception {
    Run r = run("layer", "ls", blob("estargz"), "--descriptor", json("estargz"));
    assertEquals(0, r.code, r.err);
    List<String> lines = r.out.lines().toList();
    // modes and owners as corpus.py wrote them into edge.tar
    assertTrue(lines.stream().anyMatch(l -> l.matches("-rwsr-xr-x app/app +18 2023-11-14 22:13"
        + " bin/suid")), r.out);
    assertTrue(lines.stream().anyMatch(l -> l.matches("crw-rw-rw- root/root +1,3 .* dev/null")));
    assertTrue(lines.stream().anyMatch(l -> l.endsWith(" bin/rel-link -> rand-4096")));
    assertTrue(lines.stream().anyMatch(l -> l.endsWith(" bin/hard link to bin/rand-65537")));
    assertTrue(lines.stream().anyMatch(l -> l.matches("-rw-r----- nobody/nogroup .* etc/owned")));
    assertTrue(lines.stream().anyMatch(l -> l.matches("-rw-r--r-- .* 1970-01-01 00:00"
        + " etc/modtime-old")));
    assertTrue(lines.stream().anyMatch(l -> l.matches("---------- 0/0 +531609 1970-01-01 00:00"
        + " stargz.index.json")), r.out);
    try (InputStream in = LayerDecompression.open(Path.of(blob("estargz")))) {
      assertEquals(TarListing.list(in, Set.of()).size(), lines.size(), "one line per entry");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void verifyPassesWithTheDescriptorAndSaysWhatItChecked(String fixture) throws Exception {
    Run r = run("layer", "verify", blob(fixture), "--descriptor", json(fixture));
    assertEquals(0, r.code, r.err);
    assertEquals("", r.err);
    assertTrue(r.out.contains("(verified)"), r.out);
    assertTrue(r.out.contains("as the descriptor says"), r.out);
    assertTrue(r.out.strip().endsWith("OK"), r.out);
  }

  @Test
  void withoutADigestVerifyWarnsThatTheTocIsUnverified() throws Exception {
    Run r = run("layer", "verify", blob("estargz"));
    assertEquals(0, r.code);
    assertEquals("warning: no --toc-digest or --descriptor given: the TOC cannot be verified"
        + " (its chunk digests are still checked)\n", r.err);
    assertTrue(r.out.contains("NOT verified"), r.out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void catWritesTheFilesBytes(String fixture) throws Exception {
    Map<String, EntryFacts> tar;
    try (InputStream in = LayerDecompression.open(Path.of(blob(fixture)))) {
      tar = TarListing.list(in, Set.of());
    }
    for (String name : List.of("etc/hostname", "bin/rand-3145745", "bin/zeros-5M", "bin/hard",
        "unicode/h\u00e9llo-\u4e16\u754c-\uD83D\uDE00.txt")) {
      Run r = run("layer", "cat", blob(fixture), "/" + name, "--descriptor", json(fixture));
      assertEquals(0, r.code, r.err);
      String want = tar.get(name).type().equals("hardlink")
          ? tar.get(tar.get(name).linkName()).digest() : tar.get(name).digest();
      assertEquals(want, TarListing.sha256(new ByteArrayInputStream(r.outBytes)), name);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void aCorruptChunkFailsVerifyAndCatWithOneLine(String fixture) throws Exception {
    Path bad = dir.resolve("bad.blob");
    Files.copy(Path.of(blob(fixture)), bad);
    Chunk hit;
    try (LayerReader r = LayerReader.open(FileRangeSource.open(bad),
        LayerFormats.options().build())) {
      LayerEntry e = r.index().entry(BIG).orElseThrow();
      hit = e.chunks().get(e.chunkIndexAt(500_000));
    }
    byte[] b = Files.readAllBytes(bad);
    // inside the stored / raw block data of this incompressible chunk, past the headers
    b[(int) hit.compressedOffset() + 100] ^= 0x33;
    Files.write(bad, b);
    Path desc = dir.resolve("desc.json");
    // the descriptor still names the TOC digest (the TOC is untouched); blob digest is new
    ObjectMapper m = new ObjectMapper();
    var node = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(Path.of(json(fixture))
        .toFile());
    node.put("digest", "sha256:" + TarListing.sha256(new ByteArrayInputStream(b)).substring(7));
    m.writeValue(desc.toFile(), node);

    Run verify = run("layer", "verify", bad.toString(), "--descriptor", desc.toString());
    assertEquals(1, verify.code);
    assertOneErrorLine(verify.err, "chunk digest mismatch in file '" + BIG + "' at file"
        + " offset " + hit.fileOffset());
    assertFalse(verify.out.contains("OK"));

    Run cat = run("layer", "cat", bad.toString(), BIG, "--descriptor", desc.toString());
    assertEquals(1, cat.code);
    assertOneErrorLine(cat.err, "chunk digest mismatch in file '" + BIG + "'");
    Run other = run("layer", "cat", bad.toString(), "etc/hostname", "--descriptor",
        desc.toString());
    assertEquals(0, other.code, other.err);
    assertEquals("layer-store\n", other.out);
  }

  @Test
  void verifyChecksTheBlobAgainstItsDescriptor() throws Exception {
    Path desc = dir.resolve("wrong-digest.json");
    String text = Files.readString(Path.of(json("estargz")))
        .replace("082f5382cc9d3859b6fbf4285334d8ac06ab4b4038d52cef0e50d93b8c6031bb",
            "1111111111111111111111111111111111111111111111111111111111111111");
    Files.writeString(desc, text);
    Run r = run("layer", "verify", blob("estargz"), "--descriptor", desc.toString());
    assertEquals(1, r.code);
    assertOneErrorLine(r.err, "blob digest mismatch: the descriptor says sha256:1111");
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz"})
  void extractWritesTheTreeAsTheTarHasIt(String fixture) throws Exception {
    Path out = dir.resolve("rootfs");
    Run r = run("layer", "extract", blob(fixture), out.toString(), "--descriptor",
        json(fixture));
    assertEquals(0, r.code, r.err);
    Map<String, EntryFacts> expected;
    try (InputStream in = LayerDecompression.open(Path.of(blob(fixture)))) {
      expected = TarListing.list(in, Set.of());
    }
    Map<String, EntryFacts> onDisk = ExtractedTree.list(out, expected);
    assertNoDiff(expected, onDisk);
    assertTrue(onDisk.containsKey(".prefetch.landmark"), "what a full pull extracts");
    Run again = run("layer", "extract", blob(fixture), out.toString());
    assertEquals(1, again.code);
    assertTrue(again.err.contains("is not empty"), again.err);
  }

  @Test
  void userMistakesAreOneLineWithoutAStackTrace() throws Exception {
    Path gz = dir.resolve("plain.tar.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      Files.copy(Shared.fixture("edge.tar"), o);
    }
    Path notJson = dir.resolve("bad.json");
    Files.writeString(notJson, "{\"mediaType\": 1");
    String wrong = "sha256:" + "2".repeat(64);

    assertOneErrorLine(run("layer", "ls", "/no/such/blob").err, "no such file: /no/such/blob");
    assertOneErrorLine(run("layer", "ls", "--toc-digest", wrong, gz.toString()).err,
        "not a lazily pullable layer: no eStargz or zstd:chunked footer at its end (a plain gzip"
            + " or zstd layer, or a truncated blob); it is a gzip stream without an eStargz"
            + " footer");
    assertOneErrorLine(run("layer", "ls", "--toc-digest", wrong, blob("estargz")).err,
        "TOC digest mismatch: the manifest annotation says " + wrong);
    assertOneErrorLine(run("layer", "ls", "--descriptor", notJson.toString(), blob("estargz"))
        .err, notJson + ": not a layer descriptor: not valid JSON");
    assertOneErrorLine(run("layer", "cat", blob("estargz"), "etc/nope", "--descriptor",
        json("estargz")).err, "no such file in the layer: etc/nope");
    assertOneErrorLine(run("layer", "cat", blob("estargz"), "etc", "--descriptor",
        json("estargz")).err, "etc is a dir, not a regular file");
    Run both = run("layer", "ls", blob("estargz"), "--descriptor", json("estargz"),
        "--toc-digest", wrong);
    assertEquals(2, both.code);
    assertTrue(both.err.contains("mutually exclusive"), both.err);
  }

  private static void assertOneErrorLine(String err, String contains) {
    List<String> lines = err.lines().filter(l -> !l.startsWith("warning: ")).toList();
    assertEquals(1, lines.size(), err);
    assertTrue(lines.get(0).startsWith("error: "), err);
    assertTrue(lines.get(0).contains(contains), err);
    assertFalse(err.contains("\tat "), "stack trace: " + err);
  }

  private static void assertNoDiff(Map<String, EntryFacts> expected,
      Map<String, EntryFacts> actual) {
    List<String> diff = TarListing.diff(normalise(expected), normalise(actual));
    assertTrue(diff.isEmpty(), diff.size() + " differences:\n"
        + String.join("\n", diff.subList(0, Math.min(20, diff.size()))));
  }

  /**
   * Owner names are not part of {@code ls --json}; an empty xattr value is left out on both
   * sides (a pax record with an empty value unsets the keyword; producers differ).
   */
  private static Map<String, EntryFacts> normalise(Map<String, EntryFacts> in) {
    Map<String, EntryFacts> out = new LinkedHashMap<>();
    in.forEach((n, f) -> {
      Map<String, String> x = new TreeMap<>(f.xattrs());
      x.values().removeIf(String::isEmpty);
      out.put(n, f.withXattrs(x).withoutOwnerNames());
    });
    return out;
  }

  private static Map<String, EntryFacts> parseLs(String out) throws Exception {
    ObjectMapper m = new ObjectMapper();
    Map<String, EntryFacts> listed = new LinkedHashMap<>();
    for (String line : out.lines().toList()) {
      JsonNode n = m.readTree(line);
      List<String> keys = new java.util.ArrayList<>();
      n.fieldNames().forEachRemaining(keys::add);
      assertEquals(List.of("name", "type", "mode", "uid", "gid", "size", "mtime", "linkName",
          "devMajor", "devMinor", "xattrs", "digest"), keys);
      Map<String, String> x = new TreeMap<>();
      n.get("xattrs").properties().forEach(e -> x.put(e.getKey(), e.getValue().asText()));
      EntryFacts f = new EntryFacts(n.get("name").asText(), n.get("type").asText(),
          n.get("mode").asLong(), n.get("uid").asLong(), n.get("gid").asLong(),
          n.get("size").asLong(), n.get("mtime").asLong(), n.get("linkName").asText(),
          n.get("devMajor").asLong(), n.get("devMinor").asLong(), x, n.get("digest").asText(),
          "", "");
      listed.put(f.name(), f);
    }
    return listed;
  }

  private static String blob(String fixture) {
    return Shared.fixture("edge." + fixture + ".blob").toString();
  }

  private static String json(String fixture) {
    return Shared.fixture("edge." + fixture + ".json").toString();
  }

  private record Run(int code, String out, byte[] outBytes, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new Run(code, out.toString(StandardCharsets.UTF_8), out.toByteArray(),
        err.toString(StandardCharsets.UTF_8));
  }

  /**
   * A file stored as one chunk far larger than the heap: {@code layer extract}, {@code cat}
   * and {@code verify} in a JVM of 64 MiB still get every byte, verified (the chunk is decoded
   * as a stream and staged in a file, never held in an array).
   */
  @Test
  void aFileOfOneHugeChunkIsExtractedCatAndVerifiedWithA64MiBHeap() throws Exception {
    long size = 300L << 20;
    Path tar = dir.resolve("huge.tar");
    try (OutputStream o = Files.newOutputStream(tar);
        org.apache.commons.compress.archivers.tar.TarArchiveOutputStream t =
            new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(o)) {
      org.apache.commons.compress.archivers.tar.TarArchiveEntry e =
          new org.apache.commons.compress.archivers.tar.TarArchiveEntry("zeros");
      e.setSize(size);
      t.putArchiveEntry(e);
      byte[] buf = new byte[1 << 20];
      for (long n = 0; n < size; n += buf.length) {
        t.write(buf);
      }
      t.closeArchiveEntry();
    }
    Path blob = dir.resolve("huge.blob");
    try (OutputStream out = Files.newOutputStream(blob)) {
      org.stargzstore.estargz.writer.EstargzWriter.builder(1).chunkSize(Integer.MAX_VALUE - 8)
          .build().write(tar, out);
    }
    Files.delete(tar);
    Path out = dir.resolve("out");
    ForkedRun extract = runForked("-Xmx64m", "layer", "extract", blob.toString(),
        out.toString());
    assertEquals(0, extract.code, extract.err);
    assertEquals(size, Files.size(out.resolve("zeros")));
    assertEquals(zerosSha256(size), sha256(Files.newInputStream(out.resolve("zeros"))));
    try (java.util.stream.Stream<Path> left = Files.list(out)) {
      // the layer's files, the writer's own two included, and no staged file left
      assertEquals(Set.of(out.resolve("zeros"), out.resolve(".no.prefetch.landmark"),
          out.resolve("stargz.index.json")), Set.copyOf(left.toList()));
    }
    Files.delete(out.resolve("zeros"));
    Path catOut = dir.resolve("cat.out");
    ProcessBuilder pb = forked("-Xmx64m", "layer", "cat", blob.toString(), "zeros")
        .redirectOutput(catOut.toFile()).redirectError(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), err);
    assertEquals(zerosSha256(size), sha256(Files.newInputStream(catOut)));
    Files.delete(catOut);
    ForkedRun verify = runForked("-Xmx64m", "layer", "verify", blob.toString());
    assertEquals(0, verify.code, verify.err);
    long tocFile;
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob),
        LayerFormats.options().build())) {
      tocFile = r.index().entry("stargz.index.json").orElseThrow().size();
    }
    // the zeros, the one-byte landmark and the TOC file
    assertTrue(verify.out.contains((size + 1 + tocFile) + " bytes, all verified"), verify.out);
  }

  private record ForkedRun(int code, String out, String err) {}

  private static ProcessBuilder forked(String heap, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }

  private static ForkedRun runForked(String heap, String... args) throws Exception {
    Process p = forked(heap, args).redirectError(ProcessBuilder.Redirect.PIPE).start();
    java.util.concurrent.CompletableFuture<byte[]> err =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return p.getErrorStream().readAllBytes();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = p.waitFor();
    return new ForkedRun(code, out, new String(err.get(), StandardCharsets.UTF_8));
  }

  private static String zerosSha256(long size) throws Exception {
    return sha256(org.stargzstore.estargz.layer.UnitStreamer.zeros(size));
  }

  private static String sha256(InputStream in) throws Exception {
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    try (InputStream i = in) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = i.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(md.digest());
  }

  /**
   * A large chunk that fails verification stops {@code layer extract} with the mismatch, and
   * no staged (verified or not) chunk is left in the target directory.
   */
  @Test
  void extractStopsAtABadLargeChunkAndLeavesNoStagedFile() throws Exception {
    Path tar = dir.resolve("two.tar");
    java.util.Random rnd = new java.util.Random(13);
    try (OutputStream o = Files.newOutputStream(tar);
        org.apache.commons.compress.archivers.tar.TarArchiveOutputStream t =
            new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(o)) {
      for (String name : List.of("a", "b")) {
        byte[] data = new byte[6 << 20];
        rnd.nextBytes(data);
        org.apache.commons.compress.archivers.tar.TarArchiveEntry e =
            new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    Path blob = dir.resolve("two.blob");
    try (OutputStream out = Files.newOutputStream(blob)) {
      org.stargzstore.estargz.writer.EstargzWriter.builder(1).chunkSize(16 << 20).build()
          .write(tar, out);
    }
    long aAt;
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob),
        LayerFormats.options().build())) {
      aAt = r.index().entry("a").orElseThrow().chunks().get(0).compressedOffset();
    }
    // random data is stored, not deflated: a flipped byte decodes, and fails its digest
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(blob,
        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
      ch.read(one, aAt + (1 << 20));
      one.put(0, (byte) (one.get(0) ^ 0x55)).rewind();
      ch.write(one, aAt + (1 << 20));
    }
    Path out = dir.resolve("out-bad");
    Run r = run("layer", "extract", blob.toString(), out.toString());
    assertEquals(1, r.code, r.err);
    assertTrue(r.err.contains("chunk digest mismatch") || r.err.contains("hashes to"), r.err);
    try (java.util.stream.Stream<Path> left = Files.list(out)) {
      assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".staged"))
          .toList(), "no staged chunk left behind");
    }
  }
}
