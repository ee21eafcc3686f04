package org.stargzstore.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * The client's {@link CacheFill}s in progress, at most one per blob and mirror: every reader of
 * a blob that a mirror is filling waits on the same one, and one probe at a time asks the mirror.
 * A fill is dropped once it ends (the mirror holds the blob, or probing stopped), so the next
 * read asks the mirror as usual. Thread-safe.
 */
final class CacheFills implements AutoCloseable {
  private final RangeIgnoredByMirror policy;
  private final long minRate;
  private final Map<String, CacheFill> fills = new ConcurrentHashMap<>();
  private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(1,
      DaemonThreadFactory.named("registry-cache-probe"));

  CacheFills(RangeIgnoredByMirror policy, long minRate) {
    this.policy = policy;
    this.minRate = minRate;
  }

  /** True if a 200 from a mirror with another source after it is closed and waited out. */
  boolean waitForCache() {
    return policy == RangeIgnoredByMirror.WAIT_FOR_CACHE;
  }

  /** The fill of {@code key} (blob at mirror) in progress, or null. */
  CacheFill current(String key) {
    return fills.get(key);
  }

  /**
   * The fill of {@code key} in progress, or a new one (probing with {@code probe}) for a blob of
   * {@code size} bytes.
   */
  CacheFill start(String key, String what, long size, CacheFill.Probe probe) {
    CacheFill f = fills.computeIfAbsent(key, k -> new CacheFill(what,
        CacheFill.budget(size, minRate), probe, probes, ended -> fills.remove(k, ended)));
    f.start(); // once: a fill already probing ignores it
    return f;
  }

  @Override
  public void close() {
    probes.shutdownNow();
    fills.clear();
  }
}
