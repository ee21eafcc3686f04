package org.stargzstore.daemon.run;

import java.util.logging.Logger;
import org.stargzstore.daemon.config.DaemonConfig;

/**
 * Says at start whether the JVM's heap limit fits what the configuration lets the daemon hold:
 * a heap below it fails reads with EIO (out of memory) under load instead of slowing them.
 */
final class HeapCheck {
  private static final Logger LOG = Logger.getLogger(HeapCheck.class.getName());

  private HeapCheck() {}

  /** The message for {@code maxHeap} (Runtime.maxMemory) against the config's budget. */
  static String message(DaemonConfig c, long maxHeap) {
    long budget = c.heapBudgetBytes();
    String what = "memory budget from the configuration: " + mib(budget) + " (memory_cache "
        + mib(c.memoryCacheBytes()) + " + a quarter of it for queued store writes + "
        + (c.maxDemandRequests() + c.maxBackgroundStreams()) + " concurrent fetches x 3 x"
        + " stream_above " + mib(c.streamAboveBytes()) + " + background_inflight + "
        + mib(c.tocLoadBytes()) + " to load a TOC of max_toc_entries " + c.maxTocEntries()
        + " + " + mib(DaemonConfig.HEAP_BASELINE) + " baseline; indexes of loaded layers on"
        + " top)";
    if (maxHeap >= budget) {
      return what + "; heap limit " + mib(maxHeap);
    }
    return "the heap limit (" + mib(maxHeap) + ") is below the " + what + ": reads may fail"
        + " when the daemon runs out of memory; give it -Xmx" + ((budget + (1 << 20) - 1) >> 20)
        + "m (SRS_JAVA_OPTS) or lower memory_cache, stream_above, max_demand_requests or"
        + " max_toc_entries";
  }

  static void log(DaemonConfig c, long maxHeap) {
    String m = message(c, maxHeap);
    if (maxHeap >= c.heapBudgetBytes()) {
      LOG.info(m);
    } else {
      LOG.warning(m);
    }
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
