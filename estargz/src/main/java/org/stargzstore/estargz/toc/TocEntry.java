package org.stargzstore.estargz.toc;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One entry of a table of contents exactly as the blob's JSON states it: the union of the eStargz
 * TOC entry and the containers/storage zstd:chunked manifest entry. Nothing here is validated or
 * normalised (names keep their {@code ./} or trailing {@code /}); that is the job of the layer
 * index built from it, so the raw model can also describe bad input in error messages.
 *
 * <p>Numeric fields absent from the JSON are 0, strings are empty, times are {@code null}.
 */
public final class TocEntry {
  private final String name;
  private final String type;
  private final long size;
  private final Instant modTime;
  private final Instant accessTime;
  private final Instant changeTime;
  private final String linkName;
  private final long mode;
  private final int uid;
  private final int gid;
  private final String userName;
  private final String groupName;
  private final int devMajor;
  private final int devMinor;
  private final Map<String, byte[]> xattrs;
  private final String digest;
  private final long offset;
  private final long endOffset;
  private final long chunkOffset;
  private final long chunkSize;
  private final String chunkDigest;
  private final long innerOffset;
  private final String chunkType;

  private TocEntry(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    this.type = Objects.requireNonNull(b.type, "type");
    this.size = b.size;
    this.modTime = b.modTime;
    this.accessTime = b.accessTime;
    this.changeTime = b.changeTime;
    this.linkName = b.linkName;
    this.mode = b.mode;
    this.uid = b.uid;
    this.gid = b.gid;
    this.userName = b.userName;
    this.groupName = b.groupName;
    this.devMajor = b.devMajor;
    this.devMinor = b.devMinor;
    this.xattrs = copyXattrs(b.xattrs);
    this.digest = b.digest;
    this.offset = b.offset;
    this.endOffset = b.endOffset;
    this.chunkOffset = b.chunkOffset;
    this.chunkSize = b.chunkSize;
    this.chunkDigest = b.chunkDigest;
    this.innerOffset = b.innerOffset;
    this.chunkType = b.chunkType;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.type = type;
    b.size = size;
    b.modTime = modTime;
    b.accessTime = accessTime;
    b.changeTime = changeTime;
    b.linkName = linkName;
    b.mode = mode;
    b.uid = uid;
    b.gid = gid;
    b.userName = userName;
    b.groupName = groupName;
    b.devMajor = devMajor;
    b.devMinor = devMinor;
    b.xattrs.putAll(xattrs);
    b.digest = digest;
    b.offset = offset;
    b.endOffset = endOffset;
    b.chunkOffset = chunkOffset;
    b.chunkSize = chunkSize;
    b.chunkDigest = chunkDigest;
    b.innerOffset = innerOffset;
    b.chunkType = chunkType;
    return b;
  }

  /** The name as written in the TOC (may start with {@code ./}, directories may end in {@code /}). */
  public String name() {
    return name;
  }

  /** The raw {@code type} string; see {@link #entryType()}. */
  public String type() {
    return type;
  }

  /** The parsed type, or empty if the TOC used a type this reader does not know. */
  public java.util.Optional<EntryType> entryType() {
    return EntryType.fromJson(type);
  }

  public long size() {
    return size;
  }

  public Instant modTime() {
    return modTime;
  }

  public Instant accessTime() {
    return accessTime;
  }

  public Instant changeTime() {
    return changeTime;
  }

  public String linkName() {
    return linkName;
  }

  /** Permission and mode bits as in the tar header (including setuid, setgid, sticky). */
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

  public int devMajor() {
    return devMajor;
  }

  public int devMinor() {
    return devMinor;
  }

  /** Extended attribute names, sorted. Values via {@link #xattr(String)}. */
  public java.util.Set<String> xattrNames() {
    return xattrs.keySet();
  }

  /** A copy of one extended attribute's value, or {@code null}. */
  public byte[] xattr(String xattrName) {
    byte[] v = xattrs.get(xattrName);
    return v == null ? null : v.clone();
  }

  /** The whole file's digest ({@code sha256:...}) or empty. */
  public String digest() {
    return digest;
  }

  /** Compressed offset where this entry's (first) chunk starts, 0 if it has no content. */
  public long offset() {
    return offset;
  }

  /** containers/storage only: compressed end offset of this entry's content (exclusive). */
  public long endOffset() {
    return endOffset;
  }

  public long chunkOffset() {
    return chunkOffset;
  }

  public long chunkSize() {
    return chunkSize;
  }

  public String chunkDigest() {
    return chunkDigest;
  }

  public long innerOffset() {
    return innerOffset;
  }

  /** containers/storage only: {@code "zeros"} for a chunk of zeros with no stored data, else empty. */
  public String chunkType() {
    return chunkType;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TocEntry e)) {
      return false;
    }
    if (xattrs.size() != e.xattrs.size()) {
      return false;
    }
    for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
      if (!Arrays.equals(x.getValue(), e.xattrs.get(x.getKey()))) {
        return false;
      }
    }
    return name.equals(e.name) && type.equals(e.type) && size == e.size
        && Objects.equals(modTime, e.modTime) && Objects.equals(accessTime, e.accessTime)
        && Objects.equals(changeTime, e.changeTime) && linkName.equals(e.linkName)
        && mode == e.mode && uid == e.uid && gid == e.gid && userName.equals(e.userName)
        && groupName.equals(e.groupName) && devMajor == e.devMajor && devMinor == e.devMinor
        && digest.equals(e.digest) && offset == e.offset && endOffset == e.endOffset
        && chunkOffset == e.chunkOffset && chunkSize == e.chunkSize
        && chunkDigest.equals(e.chunkDigest) && innerOffset == e.innerOffset
        && chunkType.equals(e.chunkType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, type, size, offset, chunkOffset, chunkDigest);
  }

  @Override
  public String toString() {
    return type + " " + name + (size > 0 ? " (" + size + " bytes)" : "")
        + (chunkOffset > 0 || chunkSize > 0 ? " chunk@" + chunkOffset + "+" + chunkSize : "")
        + (offset > 0 ? " at " + offset : "");
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

  /** Builds a {@link TocEntry}; every field defaults to its JSON-absent value. */
  public static final class Builder {
    private String name;
    private String type;
    private long size;
    private Instant modTime;
    private Instant accessTime;
    private Instant changeTime;
    private String linkName = "";
    private long mode;
    private int uid;
    private int gid;
    private String userName = "";
    private String groupName = "";
    private int devMajor;
    private int devMinor;
    private final Map<String, byte[]> xattrs = new TreeMap<>();
    private String digest = "";
    private long offset;
    private long endOffset;
    private long chunkOffset;
    private long chunkSize;
    private String chunkDigest = "";
    private long innerOffset;
    private String chunkType = "";

    private Builder() {}

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder type(String v) {
      type = v;
      return this;
    }

    public Builder type(EntryType v) {
      type = v.jsonName();
      return this;
    }

    public Builder size(long v) {
      size = v;
      return this;
    }

    public Builder modTime(Instant v) {
      modTime = v;
      return this;
    }

    public Builder accessTime(Instant v) {
      accessTime = v;
      return this;
    }

    public Builder changeTime(Instant v) {
      changeTime = v;
      return this;
    }

    public Builder linkName(String v) {
      linkName = v == null ? "" : v;
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

    public Builder digest(String v) {
      digest = v == null ? "" : v;
      return this;
    }

    public Builder offset(long v) {
      offset = v;
      return this;
    }

    public Builder endOffset(long v) {
      endOffset = v;
      return this;
    }

    public Builder chunkOffset(long v) {
      chunkOffset = v;
      return this;
    }

    public Builder chunkSize(long v) {
      chunkSize = v;
      return this;
    }

    public Builder chunkDigest(String v) {
      chunkDigest = v == null ? "" : v;
      return this;
    }

    public Builder innerOffset(long v) {
      innerOffset = v;
      return this;
    }

    public Builder chunkType(String v) {
      chunkType = v == null ? "" : v;
      return this;
    }

    public TocEntry build() {
      return new TocEntry(this);
    }
  }
}
