package org.stargzstore.fs.als;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Everything {@code stat}, {@code readlink}, {@code getxattr} and {@code read} say about a tree,
 * taken through the kernel (so a FUSE mount and a {@code tar -x} directory are observed the same
 * way), and the tar-to-overlay conversion the layer store must perform.
 */
final class TreeSnapshot {
  private TreeSnapshot() {}

  /** The observable facts of one path (relative to the tree root). */
  record Facts(String type, int mode, int uid, int gid, long size, long mtime, String link,
      long rdev, Map<String, String> xattrs, String sha256) {}

  static Map<String, Facts> take(Path root) throws IOException {
    Map<String, Facts> out = new TreeMap<>();
    Map<String, Long> inodes = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = root.relativize(p).toString();
        if (rel.isEmpty()) {
          continue;
        }
        Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
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
        Map<String, String> x = type.equals("reg") || type.equals("dir") ? userXattrs(p) : Map.of();
        String sha = type.equals("reg") ? sha256(p) : "";
        long mtime = ((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond();
        out.put(rel, new Facts(type, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
            size, type.equals("symlink") ? 0 : mtime, link, rdev, x, sha));
        inodes.put(rel, (Long) a.get("ino"));
      }
    }
    return out;
  }

  /** Groups of paths that share an inode (hardlinks), as sorted lists. */
  static List<List<String>> hardlinkGroups(Path root) throws IOException {
    Map<Long, List<String>> byIno = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        long ino = (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        byIno.computeIfAbsent(ino, k -> new ArrayList<>()).add(root.relativize(p).toString());
      }
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

  static String sha256(Path p) throws IOException {
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
  static Map<String, Facts> toOverlayForm(Map<String, Facts> tar) {
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
      if (f.type().equals("dir") && tar.containsKey(path + "/.wh..wh..opq")) {
        // the opaque marker also shows as user.overlay.opaque, for rootless overlay
        Map<String, String> x = new TreeMap<>(f.xattrs());
        x.put("user.overlay.opaque", "79");
        f = new Facts(f.type(), f.mode(), f.uid(), f.gid(), f.size(), f.mtime(), f.link(),
            f.rdev(), x, f.sha256());
      }
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
  static Map<String, Facts> withoutEmptyXattrs(Map<String, Facts> tree) {
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
  static List<String> opaqueDirs(Map<String, Facts> tar) {
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
  static List<String> diff(Map<String, Facts> want, Map<String, Facts> got) {
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
}
