package org.stargzstore.zstdchunked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;

/** The whole-stream view of every fixture equals what the gzip / zstd command-line tools give. */
@IntegrationTest
class LayerDecompressionTest {

  @ParameterizedTest
  @CsvSource({
      "edge.estargz.blob, gzip, GZIP",
      "edge.zstd-stargz.blob, zstd, ZSTD",
      "edge.zstd-podman.blob, zstd, ZSTD",
      "edge.tar, cat, NONE"})
  void decompressesLikeTheCommandLineTools(String fixture, String tool, String kind)
      throws Exception {
    Path blob = Shared.fixture(fixture);
    assertEquals(LayerDecompression.Compression.valueOf(kind), LayerDecompression.sniff(blob));
    List<String> cmd = tool.equals("cat") ? List.of("cat", blob.toString())
        : List.of(tool, "-dc", blob.toString());
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String expected;
    try (InputStream in = p.getInputStream()) {
      expected = sha256(in);
    }
    assertEquals(0, p.waitFor(), "reference tool failed: " + cmd);
    try (InputStream in = LayerDecompression.open(blob)) {
      assertEquals(expected, sha256(in), fixture);
    }
  }

  @Test
  void rejectsCompressionsLayersDoNotUse() {
    byte[] xz = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2};
    IOException e = assertThrows(IOException.class,
        () -> LayerDecompression.decompress(new ByteArrayInputStream(xz)));
    assertEquals("xz-compressed layers are not supported", e.getMessage());
  }

  @Test
  void shortInputIsPlain() throws IOException {
    try (InputStream in = LayerDecompression.decompress(new ByteArrayInputStream(new byte[] {1}))) {
      assertEquals(1, in.readAllBytes().length);
    }
  }

  static String sha256(InputStream in) throws IOException {
    MessageDigest md = org.stargzstore.types.Digest.newSha256();
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }

}
