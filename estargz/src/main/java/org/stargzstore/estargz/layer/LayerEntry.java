package org.stargzstore.estargz.layer;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.types.Digest;

/**
 * A file, directory, link or device of a layer, normalised from its TOC entry (and, for a
 * regular file, its chunk entries). What a file system serves and a tool lists.
 *
 * <p>Its fields are those of a {@link org.stargzstore.estargz.toc.TocEntry} (both are tar
 * headers), but the two are kept apart on purpose: a {@code TocEntry} holds the blob's JSON as
 * written, untrusted and unvalidated, so that errors can quote it; a {@code LayerEntry} exists
 * only once {@link TocIndexer} has checked and normalised it (typed kind and digest, mode bits,
 * owner names, chunks in order). Sharing one class would let unchecked entries reach the mount.
 */
public final class LayerEntry {
  private final String name;
  private final EntryType type;
  private final long size;
  private final long mode;
  private final int uid;
  private final int gid;
  private final String userName;
  private final String groupName;
  private final Instant modTime;
  private final String linkName;
  private final int devMajor;
  private final int devMinor;
  private final Map<String, byte[]> xattrs;
  private final Digest digest;
  private final List<Chunk> chunks;

  private LayerEntry(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    this.type = Objects.requireNonNull(b.type, "type");
    if (type == EntryType.CHUNK) {
      throw new IllegalArgumentException("a chunk entry is not a layer entry: " + name);
    }
    this.size = b.size;
    this.mode = b.mode;
    this.uid = b.uid;
    this.gid = b.gid;
    this.userName = b.userName;
    this.groupName = b.groupName;
    this.modTime = b.modTime == null ? Instant.EPOCH : b.modTime;
    this.linkName = b.linkName;
    this.devMajor = b.devMajor;
    this.devMinor = b.devMinor;
    this.xattrs = copyXattrs(b.xattrs);
    this.digest = b.digest;
    this.chunks = List.copyOf(b.chunks);
  }

  public static Builder builder(String name, EntryType type) {
    return new Builder(name, type);
  }

  /** Normalised name: no leading {@code ./} or {@code /}, no trailing {@code /}; root is "". */
  public String name() {
    return name;
  }

  public EntryType type() {
    return type;
  }

  public boolean isRegular() {
    return type == EntryType.REG;
  }

  public boolean isDirectory() {
    return type == EntryType.DIR;
  }

  /** Content length of a regular file, 0 for anything else. */
  public long size() {
    return size;
  }

  /** Permission bits including setuid (04000), setgid (02000) and sticky (01000). */
  public long mode() {
    return mode;
  }

  public int uid() {
    return uid;
  }

  public int gid() {
    return gid;
  }

  public String userName() {
    return userName;
  }

  public String groupName() {
    return groupName;
  }

  public Instant modTime() {
    return modTime;
  }

  /** A symlink's target as written, or a hardlink's target as a normalised layer name. */
  public String linkName() {
    return linkName;
  }

  public int devMajor() {
    return devMajor;
  }

  public int devMinor() {
    return devMinor;
  }

  /** Extended attribute names, sorted. */
  public Set<String> xattrNames() {
    return xattrs.keySet();
  }

  /** A copy of one extended attribute's value, or {@code null} if absent. */
  public byte[] xattr(String xattrName) {
    byte[] v = xattrs.get(xattrName);
    return v == null ? null : v.clone();
  }

  /** The whole file's digest, if the TOC states one. */
  public Optional<Digest> digest() {
    return Optional.ofNullable(digest);
  }

  /** The chunks covering {@code [0, size)} in file order; empty for an empty file. */
  public List<Chunk> chunks() {
    return chunks;
  }

  /** Index in {@link #chunks()} of the chunk holding file offset {@code off} (binary search). */
  public int chunkIndexAt(long off) {
    int lo = 0;
    int hi = chunks.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Chunk c = chunks.get(mid);
      if (off < c.fileOffset()) {
        hi = mid - 1;
      } else if (off >= c.fileEnd()) {
        lo = mid + 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return type.jsonName() + " " + (name.isEmpty() ? "/" : name);
  }

  /** A sorted, unmodifiable copy; the shared empty map when there are none (most entries). */
  private static Map<String, byte[]> copyXattrs(Map<String, byte[]> from) {
    if (from.isEmpty()) {
      return Map.of();
    }
    TreeMap<String, byte[]> x = new TreeMap<>();
    from.forEach((k, v) -> x.put(k, v.clone()));
    return Collections.unmodifiableMap(x);
  }

  /** Builds a {@link LayerEntry}. */
  public static final class Builder {
    private final String name;
    private final EntryType type;
    private long size;
    private long mode;
    private int uid;
    private int gid;
    private String userName = "";
    private String groupName = "";
    private Instant modTime;
    private String linkName = "";
    private int devMajor;
    private int devMinor;
    private final Map<String, byte[]> xattrs = new TreeMap<>();
    private Digest digest;
    private List<Chunk> chunks = List.of();

    private Builder(String name, EntryType type) {
      this.name = name;
      this.type = type;
    }

    public Builder size(long v) {
      size = v;
      return this;
    }

    public Builder mode(long v) {
      mode = v;
      return this;
    }

    public Builder uid(int v) {
      uid = v;
      return this;
    }

    public Builder gid(int v) {
      gid = v;
      return this;
    }

    public Builder userName(String v) {
      userName = v == null ? "" : v;
      return this;
    }

    public Builder groupName(String v) {
      groupName = v == null ? "" : v;
      return this;
    }

    public Builder modTime(Instant v) {
      modTime = v;
      return this;
    }

    public Builder linkName(String v) {
      linkName = v == null ? "" : v;
      return this;
    }

    public Builder devMajor(int v) {
      devMajor = v;
      return this;
    }

    public Builder devMinor(int v) {
      devMinor = v;
      return this;
    }

    public Builder xattr(String k, byte[] v) {
      xattrs.put(k, v.clone());
      return this;
    }

    public Builder digest(Digest v) {
      digest = v;
      return this;
    }

    public Builder chunks(List<Chunk> v) {
      chunks = v;
      return this;
    }

    public LayerEntry build() {
      return new LayerEntry(this);
    }
  }
}
