package org.stargzstore.fs.store;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The one store-wide lock, held only where garbage collection decides. Anything that makes
 * content live again (opening a layer, taking a reference) holds it shared; the collector holds
 * it exclusively while it computes what is live and deletes the rest, so "unreferenced, delete"
 * can never interleave with a lookup that re-references the same content. Reads of content take
 * no lock at all: a blob deleted under a reader is simply fetched again.
 *
 * <p>Lock order (docs/store.md): this lock before any per-layer or per-digest lock.
 */
public final class StoreLock {
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);

  /** A held lock; closing releases it. */
  @FunctionalInterface
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** Held while content is being made live (shared with other such work). */
  public Held sharedHeld() {
    lock.readLock().lock();
    return () -> lock.readLock().unlock();
  }

  /** Held by the collector while it decides and deletes. */
  public Held exclusiveHeld() {
    lock.writeLock().lock();
    return () -> lock.writeLock().unlock();
  }
}
