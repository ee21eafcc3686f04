package org.stargzstore.fs.als;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How often, and why, podman was told to pull normally: one counter per reason, so an operator
 * can see at a glance why images are not lazily pulled (peers fall back silently).
 */
public final class FallbackCounters {
  private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

  void increment(NotLazyException.Reason reason) {
    counts.computeIfAbsent(reason.code(), k -> new AtomicLong()).incrementAndGet();
  }

  public long get(NotLazyException.Reason reason) {
    AtomicLong n = counts.get(reason.code());
    return n == null ? 0 : n.get();
  }

  public Map<String, Long> snapshot() {
    Map<String, Long> m = new TreeMap<>();
    counts.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }
}
