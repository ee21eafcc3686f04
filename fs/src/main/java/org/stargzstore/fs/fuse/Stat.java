package org.stargzstore.fs.fuse;

import java.time.Instant;

/**
 * The attributes {@code stat(2)} reports for a node.
 *
 * @param mode type and permission bits
 * @param rdevMajor device major number (devices only)
 * @param rdevMinor device minor number (devices only)
 */
public record Stat(long ino, int mode, int nlink, int uid, int gid, long size, Instant mtime,
    int rdevMajor, int rdevMinor) {

  public static Stat directory(long ino, int permissions, int nlink, Instant mtime) {
    return new Stat(ino, 0040000 | permissions, nlink, 0, 0, 0, mtime, 0, 0);
  }

  public static Stat file(long ino, int permissions, long size, Instant mtime) {
    return new Stat(ino, 0100000 | permissions, 1, 0, 0, size, mtime, 0, 0);
  }

  public boolean isDirectory() {
    return (mode & 0170000) == 0040000;
  }

  public boolean isRegular() {
    return (mode & 0170000) == 0100000;
  }

  /** Linux {@code makedev(major, minor)}. */
  public long rdev() {
    long major = rdevMajor & 0xffffffffL;
    long minor = rdevMinor & 0xffffffffL;
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }
}
