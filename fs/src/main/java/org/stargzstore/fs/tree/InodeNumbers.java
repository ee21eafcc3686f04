package org.stargzstore.fs.tree;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out inode numbers unique across one mount, so tools that detect hardlinks by
 * {@code (st_dev, st_ino)} see the layer's hardlinks and nothing else as shared.
 *
 * <p>{@link #of(String)} numbers a named part of the tree (an image's directories, one layer's
 * tree) from a base derived from its name: the same part gets the same numbers in every process
 * and after a layer is unloaded and opened again, whatever was looked up first, which a daemon
 * taking a live mount over needs (the kernel still shows the earlier process's numbers;
 * docs/fuse.md, "Takeover"). The base is {@value #SPAN_BITS} bits of room (16 M entries) times a
 * 39-bit hash of the name: two of a thousand layers share a base with a chance of about one in
 * a million.
 */
public final class InodeNumbers {
  static final int SPAN_BITS = 24;
  private static final long HASH_MASK = (1L << 39) - 1;

  private final AtomicLong next;

  public InodeNumbers(long first) {
    this.next = new AtomicLong(first);
  }

  /** Numbers for the part of the tree named {@code key}: equal keys, equal numbers. */
  public static InodeNumbers of(String key) {
    return new InodeNumbers(base(key));
  }

  static long base(String key) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (h[i] & 0xff);
      }
      // + 1: never the range of the small numbers (root 1, tests' own numbering)
      return ((v & HASH_MASK) + 1) << SPAN_BITS;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JVM", e);
    }
  }

  public long next() {
    return next.getAndIncrement();
  }
}
