package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Test tars made by {@code shared/tools/corpus.py}, a producer this project did not write:
 * {@code edge} (every feature a layer tar carries) and {@code tree} (a real directory).
 */
public final class TarCorpus {
  private TarCorpus() {}

  /** Writes the edge corpus (identical to {@code shared/fixtures/edge.tar}) to {@code out}. */
  public static Path edge(Path out) throws IOException {
    run(List.of("python3", Shared.tool("corpus.py").toString(), "edge", out.toString()));
    return out;
  }

  /** Writes a tar of the directory {@code dir} (sorted, PAX format) to {@code out}. */
  public static Path tree(Path out, Path dir) throws IOException {
    run(List.of("python3", Shared.tool("corpus.py").toString(), "tree", out.toString(),
        dir.toString()));
    return out;
  }

  private static void run(List<String> cmd) throws IOException {
    ExternalTools.Result r = ExternalTools.run(cmd, 300);
    if (r.exitCode() != 0) {
      throw new IOException("corpus.py failed: " + r.output());
    }
  }
}
