package org.stargzstore.estargz.writer;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.stargzstore.estargz.toc.EntryType;

/**
 * One tar entry's metadata, with every extension header (PAX, GNU long names) already applied,
 * exactly as Go's {@code archive/tar} reader reports it. The TOC writers copy these fields into
 * TOC entries, and containers/storage checks its TOC against the same Go view of the tar, so the
 * two must agree field for field (raw mode bits, unnormalised names, sub-second PAX times).
 *
 * @param name the entry name as stored (may start with {@code ./}, directories may end in {@code /})
 * @param nameBytes the raw bytes of the name (names need not be UTF-8)
 * @param type the entry type ({@link EntryType#CHUNK} never occurs)
 * @param linkName symlink target or hardlink target name, else empty
 * @param mode the raw mode field (permission bits, setuid/setgid/sticky, sometimes type bits)
 * @param size the size the header states (for hardlinks and other header-only types this may be
 *     non-zero although no content follows, see {@link #contentLength()})
 * @param modTime modification time (never null; the Unix epoch if the header says 0)
 * @param accessTime access time if the header carries one (PAX {@code atime}, GNU, star), else null
 * @param changeTime change time if the header carries one, else null
 * @param xattrs extended attributes from {@code SCHILY.xattr.*} PAX records, values as raw bytes
 */
public record TarHeader(
    String name,
    byte[] nameBytes,
    EntryType type,
    String linkName,
    long mode,
    int uid,
    int gid,
    String userName,
    String groupName,
    long size,
    Instant modTime,
    Instant accessTime,
    Instant changeTime,
    int devMajor,
    int devMinor,
    Map<String, byte[]> xattrs) {

  public TarHeader {
    Objects.requireNonNull(name, "name");
    nameBytes = nameBytes.clone();
    Objects.requireNonNull(type, "type");
    if (type == EntryType.CHUNK) {
      throw new IllegalArgumentException("a tar entry cannot be a TOC chunk");
    }
    Objects.requireNonNull(linkName, "linkName");
    Objects.requireNonNull(userName, "userName");
    Objects.requireNonNull(groupName, "groupName");
    Objects.requireNonNull(modTime, "modTime");
    TreeMap<String, byte[]> copy = new TreeMap<>();
    xattrs.forEach((k, v) -> copy.put(k, v.clone()));
    xattrs = Collections.unmodifiableMap(copy);
  }

  @Override
  public byte[] nameBytes() {
    return nameBytes.clone();
  }

  /** A copy of the extended attributes (name to value bytes), sorted by name. */
  @Override
  public Map<String, byte[]> xattrs() {
    TreeMap<String, byte[]> copy = new TreeMap<>();
    xattrs.forEach((k, v) -> copy.put(k, v.clone()));
    return copy;
  }

  /**
   * How many content bytes follow the header in the archive: the size for regular files, 0 for
   * the header-only types (links, directories, devices, fifos), as Go's reader treats them.
   */
  public long contentLength() {
    return type == EntryType.REG ? size : 0;
  }

  /** True if the raw name is valid UTF-8 (tar-split stores other names as raw bytes). */
  public boolean hasUtf8Name() {
    return TarHeaderParser.isValidUtf8(nameBytes);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TarHeader h)) {
      return false;
    }
    if (!java.util.Arrays.equals(nameBytes, h.nameBytes) || xattrs.size() != h.xattrs.size()) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
      if (!java.util.Arrays.equals(e.getValue(), h.xattrs.get(e.getKey()))) {
        return false;
      }
    }
    return name.equals(h.name) && type == h.type && linkName.equals(h.linkName) && mode == h.mode
        && uid == h.uid && gid == h.gid && userName.equals(h.userName)
        && groupName.equals(h.groupName) && size == h.size && modTime.equals(h.modTime)
        && Objects.equals(accessTime, h.accessTime) && Objects.equals(changeTime, h.changeTime)
        && devMajor == h.devMajor && devMinor == h.devMinor;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, type, size, modTime);
  }

  @Override
  public String toString() {
    return type.jsonName() + " " + name + (size > 0 ? " (" + size + " bytes)" : "");
  }
}
