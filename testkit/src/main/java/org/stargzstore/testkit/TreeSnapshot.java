package org.stargzstore.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything {@code stat}, {@code readlink}, {@code getxattr} and {@code read} say about a tree,
 * taken through the kernel (so a FUSE mount, an overlay mount of an image and a {@code tar -x}
 * directory are observed the same way), and the tar-to-overlay conversion the layer store must
 * perform. Modification times are whole seconds: an eStargz TOC and a ustar header carry no more,
 * so a lazily served file cannot know the nanoseconds a PAX header may have given a full pull.
 */
public final class TreeSnapshot {
  private TreeSnapshot() {}

  /** Which extended attributes a snapshot reads. */
  public enum Xattrs {
    /** {@code user.*} only, through {@code java.nio} (what an unprivileged reader sees). */
    USER,
    /**
     * Every namespace the caller may read ({@code security.*}, {@code trusted.*} as root), with
     * {@code getfattr} when it is installed, else {@code user.*} as for {@link #USER}.
     */
    ALL
  }

  /** The observable facts of one path (relative to the tree root). */
  public record Facts(String type, int mode, int uid, int gid, long size, long mtime, String link,
      long rdev, Map<String, String> xattrs, String sha256) {}

  /** The tree below {@code root} ({@code root} itself left out), {@code user.*} xattrs. */
  public static Map<String, Facts> take(Path root) throws IOException {
    return take(root, Xattrs.USER);
  }

  /** The tree below {@code root} ({@code root} itself left out). */
  public static Map<String, Facts> take(Path root, Xattrs xattrs) throws IOException {
    Map<String, Map<String, String>> all = xattrs == Xattrs.ALL
        && ExternalTools.which("getfattr") != null ? getfattr(root) : null;
    Map<String, Facts> out = new TreeMap<>();
    for (Path p : walk(root)) {
      String rel = root.relativize(p).toString();
      Map<String, Object> a;
      try {
        a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        // overlayfs lists a whiteout in a directory that only one layer has, but lstat says
        // ENOENT: record what a reader sees, so two trees can still be compared
        out.put(rel, new Facts("listed-but-absent", 0, 0, 0, 0, 0, "", 0, Map.of(), ""));
        continue;
      }
      int mode = (Integer) a.get("mode");
      String type = switch (mode & 0170000) {
        case 0040000 -> "dir";
        case 0100000 -> "reg";
        case 0120000 -> "symlink";
        case 0020000 -> "char";
        case 0060000 -> "block";
        case 0010000 -> "fifo";
        default -> "other";
      };
      long size = type.equals("reg") ? (Long) a.get("size") : 0;
      String link = type.equals("symlink") ? Files.readSymbolicLink(p).toString() : "";
      long rdev = type.equals("char") || type.equals("block") ? (Long) a.get("rdev") : 0;
      Map<String, String> x;
      if (all != null) {
        x = all.getOrDefault(rel, Map.of());
      } else {
        x = type.equals("reg") || type.equals("dir") ? userXattrs(p) : Map.of();
      }
      String sha = type.equals("reg") ? sha256(p) : "";
      long mtime = ((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond();
      out.put(rel, new Facts(type, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
          size, type.equals("symlink") ? 0 : mtime, link, rdev, x, sha));
    }
    return out;
  }

  /** Groups of paths that share an inode (hardlinks), as sorted lists. */
  public static List<List<String>> hardlinkGroups(Path root) throws IOException {
    Map<Long, List<String>> byIno = new TreeMap<>();
    for (Path p : walk(root)) {
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      long ino = (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
      byIno.computeIfAbsent(ino, k -> new ArrayList<>()).add(root.relativize(p).toString());
    }
    List<List<String>> groups = new ArrayList<>();
    for (List<String> g : byIno.values()) {
      if (g.size() > 1) {
        g.sort(null);
        groups.add(g);
      }
    }
    groups.sort((a, b) -> a.get(0).compareTo(b.get(0)));
    return groups;
  }

  /**
   * Every path below {@code root} that a directory listing names, depth first, not following
   * symlinks. Unlike {@link Files#walk} it does not stat what it lists, so a listed name that
   * cannot be stat'ed (see {@link #take}) is returned instead of ending the walk.
   */
  private static List<Path> walk(Path root) throws IOException {
    List<Path> out = new ArrayList<>();
    List<Path> names = new ArrayList<>();
    try (DirectoryStream<Path> d = Files.newDirectoryStream(root)) {
      d.forEach(names::add);
    }
    names.sort(null);
    for (Path p : names) {
      out.add(p);
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        out.addAll(walk(p));
      }
    }
    return out;
  }

  private static Map<String, String> userXattrs(Path p) throws IOException {
    UserDefinedFileAttributeView v = Files.getFileAttributeView(p,
        UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    Map<String, String> m = new TreeMap<>();
    for (String n : v.list()) {
      ByteBuffer b = ByteBuffer.allocate(v.size(n));
      v.read(n, b);
      m.put("user." + n, HexFormat.of().formatHex(b.array(), 0, b.position()));
    }
    return m;
  }

  /**
   * Every xattr below {@code root} by relative path, values in hex (as {@link #userXattrs}), from
   * one {@code getfattr -R} run (a process per file would take minutes on a large tree).
   */
  private static Map<String, Map<String, String>> getfattr(Path root) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("getfattr", "-R", "-h", "-d", "-m", "-", "-e", "hex",
        "--absolute-names", root.toString());
    pb.environment().put("LC_ALL", "C");
    ExternalTools.Result r = ExternalTools.run(pb, 300);
    // getfattr exits 1 when some path has no xattr support (a symlink on some file systems)
    if (r.exitCode() > 1) {
      throw new IOException("getfattr -R " + root + " failed (" + r.exitCode() + "):\n"
          + r.output());
    }
    String prefix = root.toString() + "/";
    Map<String, Map<String, String>> out = new HashMap<>();
    Map<String, String> current = null;
    for (String line : r.output().split("\n")) {
      if (line.startsWith("# file: ")) {
        String path = unescape(line.substring(8));
        current = null;
        if (path.startsWith(prefix)) {
          current = new TreeMap<>();
          out.put(path.substring(prefix.length()), current);
        }
      } else if (current != null && !line.isEmpty() && !line.startsWith("#")) {
        int eq = line.indexOf('=');
        String name = eq < 0 ? line : line.substring(0, eq);
        String value = eq < 0 ? "" : line.substring(eq + 1);
        current.put(name, value.startsWith("0x") ? value.substring(2) : value);
      }
    }
    return out;
  }

  /** getfattr's quoting: a byte it will not print is {@code \ooo}, a backslash {@code \\}. */
  private static String unescape(String s) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.write(Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '\\') {
        b.write('\\');
        i++;
      } else {
        byte[] u = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        b.write(u, 0, u.length);
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  public static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What a {@code tar -x} tree looks like as an overlay lower directory: {@code .wh.NAME}
   * becomes a 0/0 character device {@code NAME} (mode 0, same owner and mtime); a
   * {@code .wh..wh..opq} file disappears (its directory is marked opaque by an xattr, checked
   * separately because it is in the trusted namespace).
   */
  public static Map<String, Facts> toOverlayForm(Map<String, Facts> tar) {
    Map<String, Facts> out = new TreeMap<>();
    for (Map.Entry<String, Facts> e : tar.entrySet()) {
      String path = e.getKey();
      int slash = path.lastIndexOf('/');
      String dir = slash < 0 ? "" : path.substring(0, slash + 1);
      String base = path.substring(slash + 1);
      Facts f = e.getValue();
      if (base.equals(".wh..wh..opq")) {
        continue;
      }
      // an opaque directory is marked with trusted.overlay.opaque, which root sees (rootful
      // overlay) but a user.* snapshot does not; other users see user.overlay.opaque
      if (base.startsWith(".wh.")) {
        out.put(dir + base.substring(4), new Facts("char", 0, f.uid(), f.gid(), 0, f.mtime(), "",
            0, Map.of(), ""));
        continue;
      }
      out.put(path, f);
    }
    return out;
  }

  /** The same facts with empty-valued extended attributes left out. */
  public static Map<String, Facts> withoutEmptyXattrs(Map<String, Facts> tree) {
    Map<String, Facts> out = new TreeMap<>();
    tree.forEach((k, f) -> {
      Map<String, String> x = new TreeMap<>(f.xattrs());
      x.values().removeIf(String::isEmpty);
      out.put(k, new Facts(f.type(), f.mode(), f.uid(), f.gid(), f.size(), f.mtime(), f.link(),
          f.rdev(), x, f.sha256()));
    });
    return out;
  }

  /** Paths of directories holding an opaque marker in a tar tree. */
  public static List<String> opaqueDirs(Map<String, Facts> tar) {
    List<String> out = new ArrayList<>();
    for (String p : tar.keySet()) {
      if (p.endsWith(".wh..wh..opq")) {
        int slash = p.lastIndexOf('/');
        out.add(slash < 0 ? "" : p.substring(0, slash));
      }
    }
    return out;
  }

  /** A readable list of differences (empty if equal). */
  public static List<String> diff(Map<String, Facts> want, Map<String, Facts> got) {
    List<String> d = new ArrayList<>();
    for (String k : want.keySet()) {
      if (!got.containsKey(k)) {
        d.add("missing: " + k);
      } else if (!Objects.equals(want.get(k), got.get(k))) {
        d.add("differs: " + k + "\n  want " + want.get(k) + "\n  got  " + got.get(k));
      }
    }
    for (String k : got.keySet()) {
      if (!want.containsKey(k)) {
        d.add("unexpected: " + k);
      }
    }
    return d;
  }

  /**
   * {@link #diff} as one message: how many paths differ, then the first {@code limit} of them;
   * empty if the trees are equal.
   */
  public static String diffReport(Map<String, Facts> want, Map<String, Facts> got, int limit) {
    List<String> d = diff(want, got);
    if (d.isEmpty()) {
      return "";
    }
    StringBuilder s = new StringBuilder().append(d.size()).append(" of ")
        .append(want.size()).append(" paths differ (missing = only in the reference, unexpected ="
            + " only in the tree under test)");
    if (d.size() > limit) {
      s.append(", the first ").append(limit);
    }
    s.append(":");
    d.stream().limit(limit).forEach(l -> s.append("\n").append(l));
    return s.toString();
  }
}
