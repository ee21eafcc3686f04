package org.stargzstore.fs.fuse;

import java.util.Random;
import java.util.concurrent.CountDownLatch;

/**
 * The tree two "daemons" of a takeover test serve: each builds its own, equal one (as two
 * processes reading the same store would). {@code d/} has {@value #LISTED} small immutable files
 * (a listing spans many READDIRPLUS requests), {@code hot/} files whose content may change (read
 * afresh at each open: every read of them reaches the daemon), {@code big} an 8 MiB immutable
 * file, {@code slow} a file whose reads block until {@link #release} (only in the tree of a
 * daemon that is to be killed while it holds a request).
 */
final class TakeoverTree {
  static final int LISTED = 2000;
  static final int HOT = 8;
  static final int BIG = 8 << 20;

  private TakeoverTree() {}

  static byte[] hot(int i) {
    byte[] b = new byte[(64 << 10) + i * 1000];
    new Random(i).nextBytes(b);
    return b;
  }

  static byte[] big() {
    byte[] b = new byte[BIG];
    new Random(99).nextBytes(b);
    return b;
  }

  static byte[] listed(int i) {
    return ("entry " + i + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  static byte[] slow() {
    byte[] b = new byte[100_000];
    new Random(5).nextBytes(b);
    return b;
  }

  /** The tree; with {@code block} non-null, reads of {@code slow} wait for it. */
  static MemoryNodes.Dir build(CountDownLatch block) {
    MemoryNodes.Dir d = new MemoryNodes.Dir(2);
    for (int i = 0; i < LISTED; i++) {
      d.add(String.format("e%04d", i), new MemoryNodes.Bytes(1000 + i, listed(i)));
    }
    MemoryNodes.Dir hot = new MemoryNodes.Dir(3);
    for (int i = 0; i < HOT; i++) {
      hot.add("m" + i, new MemoryNodes.Bytes(100 + i, hot(i), false));
    }
    byte[] slow = slow();
    FsNode slowNode = new FsNode() {
      @Override
      public Stat stat() {
        return Stat.file(6, 0644, slow.length, MemoryNodes.MTIME);
      }

      @Override
      public boolean contentIsImmutable() {
        return false;
      }

      @Override
      public FileReader open() {
        FileReader r = new MemoryNodes.Bytes(6, slow, false).open();
        return (offset, dst) -> {
          if (block != null) {
            try {
              block.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return r.read(offset, dst);
        };
      }
    };
    return new MemoryNodes.Dir(1).add("d", d).add("hot", hot)
        .add("big", new MemoryNodes.Bytes(4, big())).add("slow", slowNode);
  }
}
