package org.stargzstore.fs.fuse.kernel;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Open file or directory handles: the {@code fh} the kernel passes back with each request. */
final class Handles<T> {
  private final ConcurrentHashMap<Long, T> open = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);

  long add(T value) {
    long fh = next.getAndIncrement();
    open.put(fh, value);
    return fh;
  }

  T get(long fh) {
    return open.get(fh);
  }

  T remove(long fh) {
    return open.remove(fh);
  }

  int size() {
    return open.size();
  }
}
