package org.stargzstore.estargz.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.stargzstore.testkit.ExternalTools;

/** Helpers shared by the writer tests: independent decoders and the reference tools. */
final class WriterTestSupport {
  static final ObjectMapper JSON = new ObjectMapper();

  private WriterTestSupport() {}

  static LayerWriteResult convert(StargzLayerWriter w, Path in, Path out) throws IOException {
    try (OutputStream o = Files.newOutputStream(out)) {
      return w.write(in, o);
    }
  }

  /** Decompresses with the system's gzip or zstd (zstd skips skippable frames). */
  static void decompress(String tool, Path blob, Path out) throws IOException {
    Process p = new ProcessBuilder(tool, "-dc", blob.toString())
        .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
    try {
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), tool + " -dc " + blob + " failed: " + err);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static String sha256(Path f) throws IOException {
    MessageDigest md = org.stargzstore.types.Digest.newSha256();
    try (InputStream in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** Runs {@code refgen verify gzip|zstd BLOB TOCDIGEST}: the reference reader checks every chunk. */
  static ExternalTools.Result refgenVerify(String kind, Path blob, String tocDigest)
      throws IOException {
    return ExternalTools.run(List.of(ExternalTools.refgen().toString(), "verify", kind,
        blob.toString(), tocDigest), 300);
  }

  /** Builds the same layer with the reference builder; returns its JSON result line. */
  static Map<String, Object> refgenBuild(String kind, Path tar, Path out, int chunk,
      List<String> prio) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(ExternalTools.refgen().toString(), "build", kind,
        tar.toString(), out.toString(), "-chunk", Integer.toString(chunk)));
    if (!prio.isEmpty()) {
      cmd.add("-prio");
      cmd.add(String.join(",", prio));
    }
    ExternalTools.Result r = ExternalTools.run(cmd, 600).requireSuccess();
    return JSON.readValue(r.output().trim(), JSON.getTypeFactory()
        .constructMapType(Map.class, String.class, Object.class));
  }

  /**
   * The TOC of an eStargz blob, found from its footer and read with Commons Compress (gzip member,
   * tar entry {@code stargz.index.json}), as a JSON tree.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> estargzToc(Path blob) throws IOException {
    byte[] b = Files.readAllBytes(blob);
    String hex = new String(b, b.length - 51 + 16, 16, StandardCharsets.US_ASCII);
    int tocOffset = (int) Long.parseLong(hex, 16);
    try (InputStream gz = new GzipCompressorInputStream(
        new ByteArrayInputStream(b, tocOffset, b.length - 51 - tocOffset));
        TarArchiveInputStream t = new TarArchiveInputStream(gz)) {
      TarArchiveEntry e = t.getNextEntry();
      assertEquals("stargz.index.json", e.getName());
      return JSON.readValue(t.readAllBytes(), Map.class);
    }
  }
}
