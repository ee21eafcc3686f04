package org.stargzstore.fs.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.LayerOpener;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.estargz.layer.OpenedLayer;
import org.stargzstore.estargz.writer.EstargzWriter;
import org.stargzstore.estargz.writer.StargzLayerWriter;
import org.stargzstore.fs.tree.InodeNumbers;
import org.stargzstore.fs.tree.LayerTree;

/**
 * Heap a loaded layer costs per TOC entry (issue 19): builds a synthetic eStargz layer of N
 * entries with the project's writer (kept in the work directory for the next run), then loads it
 * as the daemon does (footer, TOC, index, tree) and prints one line of {@code key=value}: heap
 * retained after a full GC per entry (index alone and index + tree), the peak heap during the
 * load, the load time and the process's RSS. Run by {@code bench/toc-memory.sh}.
 *
 * <p>Arguments: {@code WORKDIR ENTRIES CHUNKS_PER_FILE [histogram]}. Files have typical
 * package-tree names, one directory per 40 files; with more than one chunk per file, files are
 * that many 512-byte chunks (the writer's smallest chunk size). The TOC size cap is raised to
 * 1 GiB so that layers past the daemon's 150 MiB cap can be measured too.
 */
public final class TocMemory {
  private TocMemory() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int entries = Integer.parseInt(args[1]);
    int chunks = Integer.parseInt(args[2]);
    boolean histogram = args.length > 3 && args[3].equals("histogram");
    Files.createDirectories(work);
    Path blob = work.resolve("toc-" + entries + "-" + chunks + ".blob");
    if (!Files.exists(blob)) {
      build(work, blob, entries, chunks);
    }
    long before = usedAfterGc();
    resetPeaks();
    long t0 = System.nanoTime();
    OpenedLayer layer;
    try (FileRangeSource src = FileRangeSource.open(blob)) {
      // past the daemon's 150 MiB cap on purpose: a 1M-file TOC is about 350 MB of JSON
      layer = LayerOpener.open(src, OpenOptions.builder().maxTocSize(1L << 30).build());
    }
    long t1 = System.nanoTime();
    long peakIndex = peakHeap();
    long afterIndex = usedAfterGc();
    long t2 = System.nanoTime();
    LayerTree tree = LayerTree.build(layer.index(), new InodeNumbers(1), blob.toString());
    long t3 = System.nanoTime();
    long afterTree = usedAfterGc();
    int n = layer.index().entries().size();
    long chunkCount = layer.index().chunksInBlobOrder().size();
    System.out.printf("entries=%d chunks=%d toc_compressed_bytes=%d load_ms=%d tree_ms=%d"
            + " index_bytes_per_entry=%d tree_bytes_per_entry=%d total_bytes_per_entry=%d"
            + " index_MiB=%d total_MiB=%d peak_heap_load_MiB=%d rss_MiB=%d%n",
        n, chunkCount, layer.location().length(), (t1 - t0) / 1_000_000,
        (t3 - t2) / 1_000_000, (afterIndex - before) / n, (afterTree - afterIndex) / n,
        (afterTree - before) / n, (afterIndex - before) >> 20, (afterTree - before) >> 20,
        peakIndex >> 20, rssMiB());
    if (histogram) {
      Process p = new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()),
          "GC.class_histogram").redirectErrorStream(true).start();
      List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
          .lines().limit(28).toList();
      lines.forEach(System.out::println);
      p.waitFor();
    }
    // keep both alive until measured
    if (tree.root() == null || layer.index() == null) {
      throw new IllegalStateException();
    }
  }

  private static void build(Path work, Path blob, int entries, int chunks) throws IOException {
    Path tar = work.resolve("toc-" + entries + "-" + chunks + ".tar");
    byte[] content = new byte[chunks > 1 ? chunks * StargzLayerWriter.MIN_CHUNK_SIZE : 0];
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(
        new BufferedOutputStream(Files.newOutputStream(tar), 1 << 20))) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      int written = 0;
      for (int dir = 0; written < entries; dir++) {
        String d = "usr/lib/python3/dist-packages/package" + (dir / 50) + "/module" + dir + "/";
        TarArchiveEntry de = new TarArchiveEntry(d);
        de.setMode(040755);
        t.putArchiveEntry(de);
        t.closeArchiveEntry();
        written++;
        for (int f = 0; f < 40 && written < entries; f++, written++) {
          byte[] data = chunks > 1 ? content
              : ("# file " + written + "\nprint('hello')\n").getBytes(StandardCharsets.UTF_8);
          if (chunks > 1) {
            data[0] = (byte) written;
            data[1] = (byte) (written >> 8);
          }
          TarArchiveEntry fe = new TarArchiveEntry(d + "submodule_" + f + "_" + written + ".py");
          fe.setMode(0100644);
          fe.setSize(data.length);
          t.putArchiveEntry(fe);
          t.write(data);
          t.closeArchiveEntry();
        }
      }
    }
    StargzLayerWriter w = EstargzWriter.builder()
        .chunkSize(chunks > 1 ? StargzLayerWriter.MIN_CHUNK_SIZE : StargzLayerWriter.DEFAULT_CHUNK_SIZE)
        .build();
    Path partial = work.resolve(blob.getFileName() + ".partial");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 20)) {
      w.write(tar, out);
    }
    Files.move(partial, blob, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Files.delete(tar);
  }

  private static long usedAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(50);
      Runtime r = Runtime.getRuntime();
      used = Math.min(used, r.totalMemory() - r.freeMemory());
    }
    return used;
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      p.resetPeakUsage();
    }
  }

  /** Sum of the heap pools' peaks since the last reset (an upper bound of the peak heap). */
  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  private static long rssMiB() throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", "")) >> 10;
      }
    }
    return -1;
  }
}
