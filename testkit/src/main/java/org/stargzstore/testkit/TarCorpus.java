package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Test tars from producers this project did not write: {@code edge} (every feature a layer tar
 * carries, the fixture {@code testdata/fixtures/edge.tar}) and {@code tree} (a real directory,
 * written by Python's tarfile through {@code tools/tar-tree.py}).
 */
public final class TarCorpus {
  private TarCorpus() {}

  /** Copies the edge corpus ({@code testdata/fixtures/edge.tar}) to {@code out}. */
  public static Path edge(Path out) throws IOException {
    Files.copy(Shared.fixture("edge.tar"), out, StandardCopyOption.REPLACE_EXISTING);
    return out;
  }

  /** Writes a tar of the directory {@code dir} (sorted, PAX format) to {@code out}. */
  public static Path tree(Path out, Path dir) throws IOException {
    ExternalTools.Result r = ExternalTools.run(List.of("python3",
        Shared.tool("tar-tree.py").toString(), out.toString(), dir.toString()), 300);
    if (r.exitCode() != 0) {
      throw new IOException("tools/tar-tree.py " + out + " " + dir + " failed: " + r.output());
    }
    return out;
  }
}
