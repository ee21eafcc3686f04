package org.stargzstore.daemon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.config.DaemonConfig;

/** The heap the configuration may use is derived from its knobs, and a smaller -Xmx is named. */
class HeapCheckTest {
  @TempDir Path tmp;

  @Test
  void theBudgetFollowsTheConfiguredKnobs() throws Exception {
    Path f = tmp.resolve("config.toml");
    Files.writeString(f, "[fetch]\nmemory_cache = \"64MiB\"\nstream_above = \"1MiB\"\n"
        + "max_demand_requests = 8\nmax_background_streams = 2\nbackground_inflight = \"1MiB\"\n"
        + "max_toc_entries = 2048\n");
    DaemonConfig c = DaemonConfig.load(f, true);
    assertEquals(1L << 20, c.streamAboveBytes());
    assertEquals(2048, c.maxTocEntries());
    long mib = 1L << 20;
    long toc = 300 * mib + 2048 * DaemonConfig.PEAK_BYTES_PER_TOC_ENTRY;
    assertEquals(toc, c.tocLoadBytes());
    long budget = 64 * mib + 16 * mib + 10 * 3 * mib + mib + toc + DaemonConfig.HEAP_BASELINE;
    assertEquals(budget, c.heapBudgetBytes());
    String low = HeapCheck.message(c, 64 * mib);
    assertTrue(low.startsWith("the heap limit (64 MiB) is below the memory budget from the"
        + " configuration: " + (budget >> 20) + " MiB"), low);
    assertTrue(low.contains("max_toc_entries 2048"), low);
    assertTrue(low.contains("give it -Xmx" + ((budget + mib - 1) >> 20) + "m"), low);
    assertTrue(HeapCheck.message(c, 1L << 30).endsWith("; heap limit 1024 MiB"));
  }

  @Test
  void theDefaultsAndAZeroThreshold() throws Exception {
    assertEquals(4L << 20, DaemonConfig.defaults().streamAboveBytes());
    Path f = tmp.resolve("zero.toml");
    Files.writeString(f, "[fetch]\nstream_above = \"0B\"\n");
    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> DaemonConfig.load(f, true));
    assertTrue(e.getMessage().contains("stream_above"), e.getMessage());
  }

  /** A TOC at the 150 MiB cap of ordinary file entries is within the default entry limit. */
  @Test
  void theDefaultTocEntryLimitAndItsBudget() throws Exception {
    DaemonConfig d = DaemonConfig.defaults();
    assertEquals(DaemonConfig.DEFAULT_MAX_TOC_ENTRIES, d.maxTocEntries());
    assertEquals(d.maxTocEntries(), d.tocLimits().maxEntries());
    assertEquals(150L << 20, d.tocLimits().maxBytes());
    assertEquals((300L << 20) + (long) d.maxTocEntries() * DaemonConfig.PEAK_BYTES_PER_TOC_ENTRY,
        d.tocLoadBytes());
    Path f = tmp.resolve("none.toml");
    Files.writeString(f, "[fetch]\nmax_toc_entries = 0\n");
    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> DaemonConfig.load(f, true));
    assertTrue(e.getMessage().contains("[fetch] max_toc_entries: expected a positive integer"), e.getMessage());
  }

  /** What the launcher reads to size the daemon's heap. */
  @Test
  void theLauncherGetsTheBudgetInMiB() throws Exception {
    Path f = tmp.resolve("config.toml");
    Files.writeString(f, "[fetch]\nmemory_cache = \"64MiB\"\nstream_above = \"1MiB\"\n"
        + "max_demand_requests = 8\nmax_background_streams = 2\nbackground_inflight = \"1MiB\"\n");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code = org.stargzstore.daemon.cli.Main.run(new java.io.PrintStream(out),
        new java.io.PrintStream(err), "--config", f.toString(), "--print-heap-budget");
    assertEquals(0, code, err.toString());
    assertEquals(Long.toString((DaemonConfig.load(f, true).heapBudgetBytes() + (1 << 20) - 1)
        >> 20), out.toString().trim());
    assertTrue(Long.parseLong(out.toString().trim()) > 207, "includes a TOC load");
  }
}
