package org.stargzstore.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The reference view of a layer: its uncompressed tar stream read start to end by Apache
 * Commons Compress, each entry as {@link EntryFacts} with the sha256 of its bytes. This is what
 * a non-lazy puller extracts, and what our lazy readers must agree with.
 */
public final class TarListing {
  private static final String XATTR_PREFIX = "SCHILY.xattr.";

  private TarListing() {}

  /**
   * Lists a tar stream: entries by normalised name in stream order (a later entry with the same
   * name replaces the earlier, as extraction would), the root directory left out, and the
   * names in {@code skip} left out (e.g. the entries a producer adds, such as
   * {@code stargz.index.json}, to compare a layer with the tar it was made from).
   */
  public static Map<String, EntryFacts> list(InputStream tarStream, Set<String> skip)
      throws IOException {
    Map<String, EntryFacts> out = new LinkedHashMap<>();
    TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      String name = normalise(e.getName());
      if (name.isEmpty() || skip.contains(name)) {
        continue;
      }
      out.remove(name);
      out.put(name, facts(e, name, tar));
    }
    return out;
  }

  private static EntryFacts facts(TarArchiveEntry e, String name, InputStream content)
      throws IOException {
    String type;
    String link = "";
    if (e.isSymbolicLink()) {
      type = "symlink";
      link = e.getLinkName();
    } else if (e.isLink()) {
      type = "hardlink";
      link = normalise(e.getLinkName());
    } else if (e.isDirectory()) {
      type = "dir";
    } else if (e.isCharacterDevice()) {
      type = "char";
    } else if (e.isBlockDevice()) {
      type = "block";
    } else if (e.isFIFO()) {
      type = "fifo";
    } else if (e.isFile()) {
      type = "reg";
    } else {
      throw new IOException("unexpected tar entry type '" + (char) e.getLinkFlag() + "' for "
          + e.getName());
    }
    String digest = "";
    long size = 0;
    if (type.equals("reg")) {
      size = e.getSize();
      digest = sha256(content);
    }
    Map<String, String> xattrs = new TreeMap<>();
    for (Map.Entry<String, String> x : e.getExtraPaxHeaders().entrySet()) {
      if (x.getKey().startsWith(XATTR_PREFIX)) {
        xattrs.put(x.getKey().substring(XATTR_PREFIX.length()), Base64.getEncoder()
            .encodeToString(x.getValue().getBytes(StandardCharsets.UTF_8)));
      }
    }
    boolean device = type.equals("char") || type.equals("block");
    return new EntryFacts(name, type, e.getMode() & 07777, e.getLongUserId(),
        e.getLongGroupId(), size, Math.floorDiv(e.getModTime().getTime(), 1000L), link,
        device ? e.getDevMajor() : 0, device ? e.getDevMinor() : 0, xattrs, digest,
        e.getUserName(), e.getGroupName());
  }

  /** Tar-style name to the normalised form: no leading {@code ./} or {@code /}, no trailing /. */
  public static String normalise(String raw) {
    String s = raw;
    while (s.startsWith("./")) {
      s = s.substring(2);
    }
    while (s.startsWith("/")) {
      s = s.substring(1);
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s.equals(".") ? "" : s;
  }

  /** {@code sha256:<hex>} of everything left in {@code in}. */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** Differences between two listings, one line each (empty if they agree). */
  public static List<String> diff(Map<String, EntryFacts> expected,
      Map<String, EntryFacts> actual) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, EntryFacts> x : expected.entrySet()) {
      EntryFacts a = actual.get(x.getKey());
      if (a == null) {
        out.add("missing: " + x.getValue());
      } else if (!a.equals(x.getValue())) {
        out.add("differs: expected " + x.getValue() + "\n         but got  " + a);
      }
    }
    for (String n : actual.keySet()) {
      if (!expected.containsKey(n)) {
        out.add("unexpected: " + actual.get(n));
      }
    }
    return out;
  }
}
