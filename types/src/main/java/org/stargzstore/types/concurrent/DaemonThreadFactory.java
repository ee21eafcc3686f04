package org.stargzstore.types.concurrent;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the daemon threads of every pool in the project, named so that a thread dump, a log line
 * or docs/threads.md can say which pool a thread belongs to. Daemon, because no pool of ours may
 * keep the JVM alive after its owner is gone (a hung registry or FUSE server must not block exit).
 * It lives in the lowest module so that estargz, registry-client, fs and daemon share one.
 */
public final class DaemonThreadFactory implements ThreadFactory {
  private final String name;
  private final boolean numbered;
  private final AtomicInteger count = new AtomicInteger();

  private DaemonThreadFactory(String name, boolean numbered) {
    this.name = Objects.requireNonNull(name, "name");
    this.numbered = numbered;
  }

  /** Every thread is called {@code name} (a pool whose threads need not be told apart). */
  public static DaemonThreadFactory named(String name) {
    return new DaemonThreadFactory(name, false);
  }

  /** Threads are called {@code prefix-1}, {@code prefix-2}, … in the order they are made. */
  public static DaemonThreadFactory numbered(String prefix) {
    return new DaemonThreadFactory(prefix, true);
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, numbered ? name + "-" + count.incrementAndGet() : name);
    t.setDaemon(true);
    return t;
  }
}
