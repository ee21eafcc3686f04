package org.stargzstore.zstdchunked.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * Times reading a whole layer blob through {@link LayerReader#readAll} (every chunk fetched,
 * decoded and verified against its sha256) against a baseline command on the same blob
 * ({@code gzip -d -c BLOB} / {@code zstd -d -c BLOB}, output discarded), for
 * {@code bench/reader-throughput.sh}.
 *
 * <pre>ReaderThroughput BLOB TOC_DIGEST ROUNDS BASELINE_COMMAND...</pre>
 *
 * <p>Each round times the baseline, then our reader with one thread, then with two, back to
 * back, so that load from elsewhere on the machine hits all three alike; the best time of each
 * over the rounds is reported (the least disturbed run), with the medians. Our reader is warmed
 * up first; each of its runs opens the layer afresh (footer, TOC, index) and reads all of it.
 *
 * <p>Output, one line: {@code base_best p1_best p2_best base_median p1_median p2_median
 * file_bytes chunks}.
 */
public final class ReaderThroughput {
  private ReaderThroughput() {}

  public static void main(String[] args) throws Exception {
    Path blob = Path.of(args[0]);
    Digest toc = Digest.parse(args[1]);
    int rounds = Integer.parseInt(args[2]);
    List<String> baseline = Arrays.asList(args).subList(3, args.length);
    if (!Files.isRegularFile(blob)) {
      throw new IllegalArgumentException("no such blob: " + blob);
    }
    long[] totals = read(blob, toc, 1);
    read(blob, toc, 2);
    List<Double> base = new ArrayList<>();
    List<Double> p1 = new ArrayList<>();
    List<Double> p2 = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      base.add(time(() -> runBaseline(baseline)));
      p1.add(time(() -> check(read(blob, toc, 1), totals)));
      p2.add(time(() -> check(read(blob, toc, 2), totals)));
    }
    System.out.printf("%.4f %.4f %.4f %.4f %.4f %.4f %d %d%n", best(base), best(p1), best(p2),
        median(base), median(p1), median(p2), totals[0], totals[1]);
  }

  private static long[] read(Path blob, Digest toc, int parallelism) throws Exception {
    long[] totals = new long[2];
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob),
        LayerFormats.options().expectedTocDigest(toc).build())) {
      r.readAll(parallelism, (c, data) -> {
        totals[0] += data.length;
        totals[1]++;
      });
    }
    return totals;
  }

  private static void runBaseline(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("baseline failed: " + cmd);
    }
  }

  private static void check(long[] got, long[] want) {
    if (!Arrays.equals(got, want)) {
      throw new IllegalStateException("runs read different amounts");
    }
  }

  private static double time(Step s) throws Exception {
    long t0 = System.nanoTime();
    s.run();
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double best(List<Double> xs) {
    return Collections.min(xs);
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }
}
