package org.stargzstore.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.TarCorpus;
import picocli.CommandLine;

/**
 * {@code stargz-registry-storage convert}: every input compression, every format, the printed
 * descriptor checked against the blob and the reference tools, and the failures a user meets
 * (missing or bad input, unwritable output, full disk, wrong options), each with one clear line
 * and without leaving a partial or clobbered output.
 */
@IntegrationTest
class ConvertCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  static Path edge;
  static Path edgeGz;
  static Path edgeZst;

  @BeforeAll
  static void inputs() throws IOException {
    edge = TarCorpus.edge(dir.resolve("edge.tar"));
    edgeGz = dir.resolve("edge.tar.gz");
    try (InputStream in = Files.newInputStream(edge);
        OutputStream out = new GZIPOutputStream(Files.newOutputStream(edgeGz))) {
      in.transferTo(out);
    }
    edgeZst = dir.resolve("edge.tar.zst");
    ExternalTools.run(List.of("zstd", "-q", "-o", edgeZst.toString(), edge.toString()), 60)
        .requireSuccess();
  }

  record Run(int exitCode, String out, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void gzipInputToEstargzPrintsTheDescriptorOfTheBlob() throws Exception {
    Path out = dir.resolve("gz.esgz");
    Run r = cli("convert", "--format", "estargz", "--prioritize", "etc/hostname,bin/rand-1",
        edgeGz.toString(), out.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode d = JSON.readTree(r.out());
    assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", d.get("mediaType").asText());
    assertEquals(sha256(out), d.get("digest").asText());
    assertEquals(Files.size(out), d.get("size").asLong());
    Path plain = dir.resolve("gz.esgz.tar");
    decompress("gzip", out, plain);
    assertEquals(sha256(plain), d.get("diffID").asText());
    JsonNode a = d.get("annotations");
    assertEquals(Long.toString(Files.size(plain)),
        a.get("io.containers.estargz.uncompressed-size").asText());
    assertEquals(d.get("tocDigest").asText(),
        a.get("containerd.io/snapshot/stargz/toc.digest").asText());
    ExternalTools.Result v = refgen("gzip", out, d.get("tocDigest").asText());
    assertEquals(0, v.exitCode(), v.output());
  }

  @Test
  void zstdInputToZstdChunkedKeepsTheTarByteForByte() throws Exception {
    Path out = dir.resolve("zst.zcs");
    Run r = cli("convert", "--format", "zstd-chunked", edgeZst.toString(), out.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode d = JSON.readTree(r.out());
    assertEquals("application/vnd.oci.image.layer.v1.tar+zstd", d.get("mediaType").asText());
    assertEquals(sha256(out), d.get("digest").asText());
    assertEquals(sha256(edge), d.get("diffID").asText());
    assertEquals(d.get("tocDigest").asText(), d.get("annotations")
        .get("io.github.containers.zstd-chunked.manifest-checksum").asText());
    Path plain = dir.resolve("zst.zcs.tar");
    decompress("zstd", out, plain);
    assertArrayEquals(Files.readAllBytes(edge), Files.readAllBytes(plain));
  }

  @Test
  void plainTarToStargzZstdWithChunkSizeAndPriorities() throws Exception {
    Path out = dir.resolve("plain.zst");
    Run r = cli("convert", "--format", "zstd-chunked-stargz", "--chunk-size", "64K",
        "--prioritize", "bin/rand-65537", "--compression-level", "5", edge.toString(),
        out.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode d = JSON.readTree(r.out());
    ExternalTools.Result v = refgen("zstd", out, d.get("tocDigest").asText());
    assertEquals(0, v.exitCode(), v.output());
    Path plain = dir.resolve("plain.zst.tar");
    decompress("zstd", out, plain);
    assertEquals(sha256(plain), d.get("diffID").asText());
  }

  @Test
  void warnsAboutPrioritizedFilesThatAreMissing() throws Exception {
    Run r = cli("convert", "--format", "estargz", "--prioritize", "no/such/file",
        edge.toString(), dir.resolve("warn.esgz").toString());
    assertEquals(0, r.exitCode());
    assertTrue(r.err().startsWith("warning: prioritized file no/such/file is not in"), r.err());
  }

  @Test
  void badInputFailsWithOneLineAndLeavesTheOutputAlone() throws Exception {
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "not a tar at all\n".repeat(100));
    byte[] tar = Files.readAllBytes(edge);
    Path truncated = dir.resolve("truncated.tar");
    Files.write(truncated, Arrays.copyOf(tar, 5 * 512 + 2000));
    Path truncatedGz = dir.resolve("truncated.tar.gz");
    byte[] gz = Files.readAllBytes(edgeGz);
    Files.write(truncatedGz, Arrays.copyOf(gz, gz.length / 2));
    Path xz = dir.resolve("layer.tar.xz");
    Files.write(xz, new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2, 3});

    record Bad(Path in, String format, String message) {}
    List<Bad> cases = List.of(
        new Bad(dir.resolve("missing.tar"), "estargz", "does not exist"),
        new Bad(text, "zstd-chunked", "not a tar archive"),
        new Bad(text, "estargz", "not a tar archive"),
        new Bad(truncated, "zstd-chunked", "truncated tar archive"),
        new Bad(truncated, "estargz", "truncated tar archive"),
        new Bad(truncatedGz, "zstd-chunked", "cannot read " + truncatedGz),
        new Bad(truncatedGz, "zstd-chunked-stargz", "cannot read " + truncatedGz),
        new Bad(xz, "estargz", "xz-compressed"),
        new Bad(dir, "estargz", "is a directory"));
    for (Bad b : cases) {
      Path out = dir.resolve("kept-" + b.format() + ".blob");
      Files.writeString(out, "previous content");
      Run r = cli("convert", "--format", b.format(), b.in().toString(), out.toString());
      String what = b.in() + " as " + b.format();
      assertEquals(1, r.exitCode(), what);
      assertTrue(r.err().startsWith("error: ") && r.err().contains(b.message()), what + ": "
          + r.err());
      assertEquals(1, r.err().strip().lines().count(), what + ": one line, no stack trace");
      assertEquals("previous content", Files.readString(out), what);
      assertEquals("", r.out(), what);
      assertNoLeftovers(dir);
    }
  }

  @Test
  void unwritableOutputFailsClearly() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    record Bad(Path out, String message) {}
    for (Bad b : List.of(
        new Bad(dir.resolve("no/such/dir/out.blob"), "does not exist"),
        new Bad(file.resolve("out.blob"), "is not a directory"),
        new Bad(dir, "is a directory"))) {
      Run r = cli("convert", "--format", "zstd-chunked", edge.toString(), b.out().toString());
      assertEquals(1, r.exitCode(), b.out().toString());
      assertTrue(r.err().contains("cannot write " + b.out()) && r.err().contains(b.message()),
          r.err());
    }
  }

  @Test
  void fullDiskFailsClearlyWithoutPartialFiles() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small-disk"));
    ExternalTools.Result m = ExternalTools.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m",
        "tmpfs", small.toString()), 30);
    assumeTrue(m.exitCode() == 0, "needs root to mount a small tmpfs: " + m.output());
    try {
      for (String format : List.of("zstd-chunked", "estargz")) {
        Path out = small.resolve("out.blob");
        // estargz from gzip input spools the decompressed tar next to the output first.
        Path in = format.equals("estargz") ? edgeGz : edge;
        Run r = cli("convert", "--format", format, in.toString(), out.toString());
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.err().contains("cannot write " + out)
            && r.err().contains("No space left on device"), r.err());
        try (Stream<Path> s = Files.list(small)) {
          assertEquals(List.of(), s.toList(), "nothing left on the full disk");
        }
      }
    } finally {
      ExternalTools.run(List.of("umount", small.toString()), 30);
    }
  }

  @Test
  void optionsThatDoNotFitAreUsageErrors() {
    String in = edge.toString();
    String out = dir.resolve("usage.blob").toString();
    for (String[] args : List.of(
        new String[] {"convert", "--format", "zstd-chunked", "--prioritize", "a", in, out},
        new String[] {"convert", "--format", "estargz", "--chunk-size", "100", in, out},
        new String[] {"convert", "--format", "estargz", "--compression-level", "12", in, out},
        new String[] {"convert", "--format", "zstd-chunked", "--chunk-size", "lots", in, out},
        new String[] {"convert", "--format", "gzip", in, out},
        new String[] {"convert", "--format", "zstd-chunked", "--containers-storage", "1.2", in,
            out},
        new String[] {"convert", in, out})) {
      Run r = cli(args);
      assertEquals(2, r.exitCode(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().startsWith("error: "), r.err());
      assertTrue(r.err().contains("--help"), r.err());
      assertFalse(Files.exists(Path.of(out)));
    }
  }

  @Test
  void chunkSizesReadAsInTheConfigFile() {
    ConvertCommand.SizeConverter c = new ConvertCommand.SizeConverter();
    assertEquals(65536, c.convert("64K"));
    assertEquals(4 << 20, c.convert("4MiB"));
    assertEquals(4_000_000, c.convert("4MB"));
    CommandLine.TypeConversionException e = assertThrows(
        CommandLine.TypeConversionException.class, () -> c.convert("1.5M"));
    assertTrue(e.getMessage().startsWith("expected a size in bytes, found '1.5M'"),
        e.getMessage());
  }

  @Test
  void dashAsOutWritesTheBlobToStandardOutputAndTheDescriptorToStandardError() throws Exception {
    Path work = Files.createDirectory(dir.resolve("stdout-run"));
    Path blob = work.resolve("captured.blob");
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "convert",
        "--format", "zstd-chunked", "-", "-");
    Process p = new ProcessBuilder(cmd).directory(work.toFile())
        .redirectInput(edgeGz.toFile()).redirectOutput(blob.toFile())
        .redirectError(ProcessBuilder.Redirect.PIPE).start();
    String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), stderr);
    assertFalse(Files.exists(work.resolve("-")), "a file named '-' was written");
    JsonNode d = JSON.readTree(stderr.substring(stderr.indexOf('{')));
    assertEquals(sha256(blob), d.get("digest").asText());
    assertEquals(Files.size(blob), d.get("size").asLong());
    assertEquals(sha256(edge), d.get("diffID").asText());
    assertTrue(stderr.lines().anyMatch(l -> l.matches("converted standard input \\(.+\\) to"
        + " standard output: .+ zstd-chunked \\(tar .+\\), [0-9.]+ s, .+/s")), stderr);
    try (Stream<Path> left = Files.list(work)) {
      assertEquals(List.of(blob), left.toList(), "only the redirected output");
    }
  }

  @Test
  void printsASummaryLineOnStandardErrorUnlessQuiet() throws Exception {
    Path out = dir.resolve("summary.esgz");
    Run r = cli("convert", "--format", "estargz", edge.toString(), out.toString());
    assertEquals(0, r.exitCode(), r.err());
    String expected = "converted " + edge + " (" + org.stargzstore.daemon.config.ByteSize.format(
        Files.size(edge)) + ") to " + out + ": ";
    assertTrue(r.err().startsWith(expected) && r.err().lines().count() == 1, r.err());
    assertEquals(sha256(out), JSON.readTree(r.out()).get("digest").asText());
    Run quiet = cli("convert", "--quiet", "--format", "estargz", edge.toString(), out.toString());
    assertEquals(0, quiet.exitCode(), quiet.err());
    assertEquals("", quiet.err());
  }

  /**
   * A 300 MB layer converts in a 64 MB heap (in a separate JVM), for both the streaming writer
   * (read from standard input) and the two-pass stargz writer: nothing holds the layer in memory.
   */
  @Test
  void largeLayerConvertsInASmallHeap() throws Exception {
    Path big = dir.resolve("big.tar");
    long size = BigTar.write(big, 300L << 20);
    assertTrue(size >= 300L << 20);
    String bigSha = sha256(big);
    for (String format : List.of("zstd-chunked", "estargz")) {
      Path out = dir.resolve("big." + format);
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
          "-cp", System.getProperty("java.class.path"), Main.class.getName(), "convert",
          "--format", format));
      if (format.equals("estargz")) {
        cmd.addAll(List.of("--compression-level", "1", big.toString()));
      } else {
        cmd.add("-");
      }
      cmd.add(out.toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE);
      if (format.equals("zstd-chunked")) {
        pb.redirectInput(big.toFile());
      }
      Process p = pb.start();
      String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), format + ": " + stderr);
      JsonNode d = JSON.readTree(stdout);
      assertEquals(sha256(out), d.get("digest").asText(), format);
      if (format.equals("zstd-chunked")) {
        assertEquals(bigSha, d.get("diffID").asText()); // the whole tar went through
      } else {
        assertTrue(d.get("annotations").get("io.containers.estargz.uncompressed-size").asLong()
            > size);
      }
      Files.delete(out);
    }
  }

  private static void assertNoLeftovers(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      List<String> tmp = s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(".") && (n.contains(".tmp-") || n.contains(".input-")))
          .toList();
      assertEquals(List.of(), tmp, "temporary files left behind");
    }
  }

  static ExternalTools.Result refgen(String kind, Path blob, String toc) throws IOException {
    return ExternalTools.run(List.of(ExternalTools.refgen().toString(), "verify", kind,
        blob.toString(), toc), 300);
  }

  static void decompress(String tool, Path blob, Path out) throws IOException {
    Process p = new ProcessBuilder(tool, "-dc", blob.toString()).redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertEquals(0, p.waitFor(), tool + " -dc " + blob);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static String sha256(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
