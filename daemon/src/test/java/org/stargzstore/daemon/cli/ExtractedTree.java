package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.stargzstore.testkit.EntryFacts;
import org.stargzstore.testkit.TarListing;

/** A directory tree on disk described as {@link EntryFacts}, read with the JDK's unix view. */
final class ExtractedTree {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private ExtractedTree() {}

  /**
   * Lists {@code root}. A regular file that {@code expected} says is a hardlink is reported as
   * one only if it really is the same file as its target.
   */
  static Map<String, EntryFacts> list(Path root, Map<String, EntryFacts> expected)
      throws IOException {
    Map<String, EntryFacts> out = new LinkedHashMap<>();
    List<Path> paths;
    try (Stream<Path> s = Files.walk(root)) {
      paths = s.filter(p -> !p.equals(root)).sorted().toList();
    }
    for (Path p : paths) {
      String name = root.relativize(p).toString();
      out.put(name, facts(root, p, name, expected.get(name)));
    }
    return out;
  }

  private static EntryFacts facts(Path root, Path p, String name, EntryFacts want)
      throws IOException {
    int mode = (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
    int fmt = mode & 0170000;
    String type;
    String link = "";
    long size = 0;
    String digest = "";
    long major = 0;
    long minor = 0;
    switch (fmt) {
      case 0040000 -> type = "dir";
      case 0120000 -> {
        type = "symlink";
        link = Files.readSymbolicLink(p).toString();
      }
      case 0020000, 0060000 -> {
        type = fmt == 0020000 ? "char" : "block";
        long rdev = (Long) Files.getAttribute(p, "unix:rdev", NOFOLLOW);
        major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL);
        minor = (rdev & 0xff) | ((rdev >> 12) & ~0xffL);
      }
      case 0010000 -> type = "fifo";
      case 0100000 -> {
        if (want != null && want.type().equals("hardlink")
            && Files.isSameFile(p, root.resolve(want.linkName()))) {
          type = "hardlink";
          link = want.linkName();
        } else {
          type = "reg";
          size = Files.size(p);
          try (InputStream in = Files.newInputStream(p)) {
            digest = TarListing.sha256(in);
          }
        }
      }
      default -> throw new IOException("unexpected file type " + Integer.toOctalString(fmt)
          + " of " + p);
    }
    Map<String, String> xattrs = new TreeMap<>();
    if (type.equals("reg") || type.equals("dir")) {
      UserDefinedFileAttributeView v =
          Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
      for (String x : v.list()) {
        ByteBuffer b = ByteBuffer.allocate(v.size(x));
        v.read(x, b);
        xattrs.put("user." + x, Base64.getEncoder().encodeToString(b.array()));
      }
    }
    long uid = (Integer) Files.getAttribute(p, "unix:uid", NOFOLLOW);
    long gid = (Integer) Files.getAttribute(p, "unix:gid", NOFOLLOW);
    long mtime = Files.getLastModifiedTime(p, NOFOLLOW).toInstant().getEpochSecond();
    return new EntryFacts(name, type, mode & 07777, uid, gid, size, mtime, link, major, minor,
        xattrs, digest, "", "");
  }
}
