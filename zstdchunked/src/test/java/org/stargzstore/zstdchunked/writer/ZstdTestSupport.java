package org.stargzstore.zstdchunked.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;

/** Independent decoders and reference tools for the zstd:chunked writer tests. */
final class ZstdTestSupport {
  static final ObjectMapper JSON = new ObjectMapper();

  private ZstdTestSupport() {}

  /** Decompresses a whole blob with the system's {@code zstd} or {@code gzip}. */
  static void decompress(String tool, Path blob, Path out) throws IOException {
    Process p = new ProcessBuilder(tool, "-dc", blob.toString()).redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.PIPE).start();
    try {
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), tool + " -dc failed: " + err);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Decompresses one zstd frame (a slice of a blob) with the system's {@code zstd}. */
  static byte[] unzstd(byte[] frame) throws IOException {
    Process p = new ProcessBuilder("zstd", "-dc").start();
    Thread feeder = new Thread(() -> {
      try (OutputStream o = p.getOutputStream()) {
        o.write(frame);
      } catch (IOException ignored) {
        // zstd reports the problem through its exit code
      }
    });
    feeder.start();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      assertEquals(0, p.waitFor(), "zstd -dc of a frame failed");
      feeder.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }

  static byte[] slice(byte[] b, long off, long len) {
    return java.util.Arrays.copyOfRange(b, (int) off, (int) (off + len));
  }

  static long[] footerLongs(byte[] blob, int footerSize, int count) {
    ByteBuffer f = ByteBuffer.wrap(blob, blob.length - footerSize, footerSize)
        .order(ByteOrder.LITTLE_ENDIAN);
    long[] v = new long[count];
    for (int i = 0; i < count; i++) {
      v[i] = f.getLong();
    }
    return v;
  }

  static String sha256(Path f) throws IOException {
    MessageDigest md = Digest.newSha256();
    try (InputStream in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(byte[] b) throws IOException {
    return JSON.readValue(b, Map.class);
  }

  static ExternalTools.Result refgenVerify(String kind, Path blob, String tocDigest)
      throws IOException {
    return ExternalTools.run(List.of(ExternalTools.refgen().toString(), "verify", kind,
        blob.toString(), tocDigest), 300);
  }

  static void refgenBuild(String kind, Path tar, Path out, int chunk, List<String> prio)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(ExternalTools.refgen().toString(), "build", kind,
        tar.toString(), out.toString(), "-chunk", Integer.toString(chunk)));
    if (!prio.isEmpty()) {
      cmd.add("-prio");
      cmd.add(String.join(",", prio));
    }
    ExternalTools.run(cmd, 600).requireSuccess();
  }

  /**
   * {@code tarsplitcheck} (src/test/go), built once against Debian's packaged Go sources of
   * github.com/vbatts/tar-split: it rebuilds a tar from tar-split with the real library and
   * compares every header with the manifest.
   */
  static synchronized Path tarSplitCheck() throws IOException {
    Path root = Shared.projectRoot().resolve("zstdchunked");
    Path out = root.resolve("target/test-tools/tarsplitcheck");
    if (Files.isExecutable(out)) {
      return out;
    }
    Path gopath = Files.createTempDirectory("srs-gopath");
    Files.createDirectories(gopath.resolve("src"));
    Files.createSymbolicLink(gopath.resolve("src/tarsplitcheck"),
        root.resolve("src/test/go/tarsplitcheck").toAbsolutePath());
    Files.createDirectories(out.getParent());
    ProcessBuilder pb = new ProcessBuilder("go", "build", "-o", out.toString(), "tarsplitcheck")
        .directory(gopath.toFile()).redirectErrorStream(true);
    pb.environment().put("GO111MODULE", "off");
    pb.environment().put("GOPATH", gopath + ":/usr/share/gocode");
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("building tarsplitcheck failed (needs golang-go and"
            + " golang-github-vbatts-tar-split-dev): " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      org.stargzstore.testkit.TempDirs.deleteRecursively(gopath);
    }
    return out;
  }
}
