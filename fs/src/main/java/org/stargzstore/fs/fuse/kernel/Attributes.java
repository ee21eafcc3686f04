package org.stargzstore.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.stargzstore.fs.fuse.Stat;

/**
 * Encodes {@link Stat} as {@code fuse_attr}, and the {@code fuse_entry_out} /
 * {@code fuse_attr_out} that carry it with the cache timeouts of the mount.
 */
final class Attributes {
  static final int ATTR_SIZE = 88;
  static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
  static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
  private static final int BLOCK_SIZE = 4096;

  private final long validSeconds;
  private final int validNanos;

  Attributes(Duration cacheTimeout) {
    this.validSeconds = cacheTimeout.getSeconds();
    this.validNanos = cacheTimeout.getNano();
  }

  /** {@code fuse_entry_out}: node id, generation 0, name and attribute timeouts, attributes. */
  void entry(ByteBuffer b, long nodeId, Stat s) {
    b.putLong(nodeId).putLong(0).putLong(validSeconds).putLong(validSeconds)
        .putInt(validNanos).putInt(validNanos);
    attr(b, s);
  }

  /** A {@code fuse_entry_out} of zeros: READDIRPLUS's "no entry" for {@code .} and {@code ..}. */
  static void emptyEntry(ByteBuffer b) {
    for (int i = 0; i < ENTRY_OUT_SIZE; i += 8) {
      b.putLong(0);
    }
  }

  /** {@code fuse_attr_out}. */
  void attrOut(ByteBuffer b, Stat s) {
    b.putLong(validSeconds).putInt(validNanos).putInt(0);
    attr(b, s);
  }

  static void attr(ByteBuffer b, Stat s) {
    long sec = s.mtime().getEpochSecond();
    int nsec = s.mtime().getNano();
    b.putLong(s.ino()).putLong(s.size()).putLong((s.size() + 511) / 512)
        .putLong(sec).putLong(sec).putLong(sec)
        .putInt(nsec).putInt(nsec).putInt(nsec)
        .putInt(s.mode()).putInt(s.nlink()).putInt(s.uid()).putInt(s.gid())
        .putInt(rdev(s.rdevMajor(), s.rdevMinor())).putInt(BLOCK_SIZE).putInt(0);
  }

  /** The kernel's {@code new_encode_dev}: what {@code fuse_attr.rdev} carries. */
  static int rdev(int major, int minor) {
    return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12);
  }

  /** {@code d_type} of a mode: its type bits. */
  static int direntType(int mode) {
    return (mode & 0170000) >>> 12;
  }
}
