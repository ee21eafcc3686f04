package org.stargzstore.fs.tree;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out inode numbers unique across one mount, so tools that detect hardlinks by
 * {@code (st_dev, st_ino)} see the layer's hardlinks and nothing else as shared.
 */
public final class InodeNumbers {
  private final AtomicLong next;

  public InodeNumbers(long first) {
    this.next = new AtomicLong(first);
  }

  public long next() {
    return next.getAndIncrement();
  }
}
