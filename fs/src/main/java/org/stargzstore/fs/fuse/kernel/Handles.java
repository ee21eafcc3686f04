package org.stargzstore.fs.fuse.kernel;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open file or directory handles: the {@code fh} the kernel passes back with each request.
 * Numbers start at a per-session base, so a process that took a connection over never hands
 * out a number the kernel still holds from the earlier one (it would then serve another file).
 */
final class Handles<T> {
  private final ConcurrentHashMap<Long, T> open = new ConcurrentHashMap<>();
  private final AtomicLong next;

  Handles() {
    this(1);
  }

  Handles(long first) {
    this.next = new AtomicLong(first);
  }

  long add(T value) {
    long fh = next.getAndIncrement();
    open.put(fh, value);
    return fh;
  }

  T get(long fh) {
    return open.get(fh);
  }

  /**
   * Adopts a handle an earlier process handed out: {@code value} under {@code fh} unless another
   * request adopted it first; returns the one kept.
   */
  T adopt(long fh, T value) {
    T old = open.putIfAbsent(fh, value);
    return old != null ? old : value;
  }

  T remove(long fh) {
    return open.remove(fh);
  }

  int size() {
    return open.size();
  }
}
