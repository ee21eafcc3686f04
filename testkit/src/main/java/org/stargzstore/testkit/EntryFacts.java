package org.stargzstore.testkit;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a conformance test compares about one layer entry, in the form {@code layer ls --json}
 * prints it: produced independently from a tar stream ({@link TarListing}) and from our
 * readers, then compared field by field.
 *
 * @param name normalised: no leading {@code ./} or {@code /}, no trailing {@code /}
 * @param type reg, dir, symlink, hardlink, char, block or fifo
 * @param mode permission bits with setuid/setgid/sticky
 * @param size content length of a regular file, else 0
 * @param mtime modification time in whole seconds since the epoch
 * @param linkName symlink target as written, or hardlink target as a normalised name, or ""
 * @param xattrs extended attributes, name to base64 value, sorted
 * @param digest {@code sha256:...} of a regular file's bytes, else ""
 * @param userName owner name, "" if unknown
 * @param groupName group name, "" if unknown
 */
public record EntryFacts(String name, String type, long mode, long uid, long gid, long size,
    long mtime, String linkName, long devMajor, long devMinor, Map<String, String> xattrs,
    String digest, String userName, String groupName) {

  public EntryFacts {
    xattrs = Map.copyOf(new TreeMap<>(xattrs));
  }

  /** The same facts without owner names (for producers that do not record them). */
  public EntryFacts withoutOwnerNames() {
    return new EntryFacts(name, type, mode, uid, gid, size, mtime, linkName, devMajor, devMinor,
        xattrs, digest, "", "");
  }

  /** The same facts with another modification time. */
  public EntryFacts withMtime(long seconds) {
    return new EntryFacts(name, type, mode, uid, gid, size, seconds, linkName, devMajor, devMinor,
        xattrs, digest, userName, groupName);
  }

  /** The same facts with {@code xattrs} replaced. */
  public EntryFacts withXattrs(Map<String, String> x) {
    return new EntryFacts(name, type, mode, uid, gid, size, mtime, linkName, devMajor, devMinor,
        x, digest, userName, groupName);
  }

  @Override
  public String toString() {
    return type + " " + name + " mode=" + Long.toOctalString(mode) + " " + uid + ":" + gid
        + " (" + userName + ":" + groupName + ") size=" + size + " mtime=" + mtime
        + (linkName.isEmpty() ? "" : " -> " + linkName)
        + (devMajor != 0 || devMinor != 0 ? " dev=" + devMajor + "," + devMinor : "")
        + (xattrs.isEmpty() ? "" : " xattrs=" + new TreeMap<>(xattrs))
        + (digest.isEmpty() ? "" : " " + digest);
  }
}
