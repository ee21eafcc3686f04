package org.stargzstore.fs.tree;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.toc.EntryType;

/**
 * One file-system object of a mounted layer: what {@code stat} reports and, for a directory, its
 * children. Hardlinks are several names for one {@code Inode}. Immutable once its tree is built,
 * so the read path needs no locks.
 */
public final class Inode {
  /** POSIX file type bits of {@code st_mode}. */
  public static final int S_IFDIR = 0040000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFIFO = 0010000;

  private final long ino;
  private final EntryType type;
  private final LayerEntry entry;
  private final int mode;
  private final int rdevMajor;
  private final int rdevMinor;
  /** The overlay's xattrs (opaque directories): null for nearly every inode. */
  private Map<String, byte[]> extraXattrs;
  private Map<String, Inode> children;
  private int nlink;

  Inode(long ino, EntryType type, LayerEntry entry, int permissionBits, int rdevMajor,
      int rdevMinor) {
    this.ino = ino;
    this.type = type;
    this.entry = entry;
    this.mode = typeBits(type) | (permissionBits & 07777);
    this.rdevMajor = rdevMajor;
    this.rdevMinor = rdevMinor;
    this.children = type == EntryType.DIR ? new LinkedHashMap<>() : null;
    this.nlink = type == EntryType.DIR ? 2 : 1;
  }

  static int typeBits(EntryType t) {
    return switch (t) {
      case DIR -> S_IFDIR;
      case REG -> S_IFREG;
      case SYMLINK -> S_IFLNK;
      case CHAR -> S_IFCHR;
      case BLOCK -> S_IFBLK;
      case FIFO -> S_IFIFO;
      case HARDLINK, CHUNK -> throw new IllegalArgumentException("no inode type for " + t);
    };
  }

  /** Inode number, unique within the mount. */
  public long ino() {
    return ino;
  }

  public EntryType type() {
    return type;
  }

  /** The layer entry this inode serves (for a whiteout, the {@code .wh.} entry). */
  public LayerEntry entry() {
    return entry;
  }

  /** {@code st_mode}: type bits and permission bits (setuid, setgid, sticky kept). */
  public int mode() {
    return mode;
  }

  public int nlink() {
    return nlink;
  }

  public int uid() {
    return entry.uid();
  }

  public int gid() {
    return entry.gid();
  }

  public long size() {
    return switch (type) {
      case REG -> entry.size();
      case SYMLINK -> entry.linkName().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      default -> 0;
    };
  }

  public Instant modTime() {
    return entry.modTime();
  }

  public int rdevMajor() {
    return rdevMajor;
  }

  public int rdevMinor() {
    return rdevMinor;
  }

  public boolean isDirectory() {
    return type == EntryType.DIR;
  }

  public boolean isRegular() {
    return type == EntryType.REG;
  }

  /** Children of a directory by name, in layer order; empty for anything else. */
  public Map<String, Inode> children() {
    return children == null ? Map.of() : children;
  }

  public Inode child(String name) {
    return children == null ? null : children.get(name);
  }

  /** Extended attribute names: the layer's own plus those the overlay form adds. */
  public Set<String> xattrNames() {
    if (extraXattrs == null) {
      return entry.xattrNames();
    }
    TreeMap<String, byte[]> all = new TreeMap<>();
    for (String n : entry.xattrNames()) {
      all.put(n, null);
    }
    all.putAll(extraXattrs);
    return Collections.unmodifiableSet(all.keySet());
  }

  /** One extended attribute's value, or {@code null}. */
  public byte[] xattr(String name) {
    byte[] v = extraXattrs == null ? null : extraXattrs.get(name);
    return v != null ? v.clone() : entry.xattr(name);
  }

  // ---- building (package-private; a tree is frozen before it is published) ----

  void addChild(String name, Inode child) {
    children.put(name, child);
    if (child.isDirectory()) {
      nlink++;
    }
  }

  Inode removeChild(String name) {
    Inode c = children.remove(name);
    if (c != null && c.isDirectory()) {
      nlink--;
    }
    return c;
  }

  void addLink() {
    nlink++;
  }

  void putXattr(String name, byte[] value) {
    if (extraXattrs == null) {
      extraXattrs = new TreeMap<>();
    }
    extraXattrs.put(name, value.clone());
  }

  void freeze() {
    if (children != null) {
      children = Collections.unmodifiableMap(children);
    }
  }

  @Override
  public String toString() {
    return "inode " + ino + " " + type.jsonName() + " " + entry.name();
  }
}
