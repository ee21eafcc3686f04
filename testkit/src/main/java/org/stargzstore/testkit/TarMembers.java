package org.stargzstore.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Every member of a tar in stream order, duplicates and raw names included (where
 * {@link TarListing} gives the normalised view extraction would produce), read by Apache
 * Commons Compress (an implementation independent of this project's tar parser): one
 * {@link Entry} per member with its metadata and the sha256 of its bytes. Tests compare
 * listings of a writer's input and of its decompressed output.
 */
public final class TarMembers {
  private TarMembers() {}

  /** One member of a tar as Commons Compress reports it. */
  public record Entry(String name, char type, long size, int mode, long uid, long gid,
      String userName, String groupName, long modTimeSeconds, String linkName, int devMajor,
      int devMinor, Map<String, String> xattrs, String contentSha256) {
    public Entry {
      xattrs = Map.copyOf(xattrs);
    }
  }

  public static List<Entry> of(Path tar) throws IOException {
    try (InputStream in = Files.newInputStream(tar)) {
      return of(in);
    }
  }

  /** Lists a tar stream (read to its end-of-archive marker). */
  public static List<Entry> of(InputStream in) throws IOException {
    List<Entry> out = new ArrayList<>();
    TarArchiveInputStream t = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
    byte[] buf = new byte[64 << 10];
    for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
      MessageDigest md = sha256();
      if (e.isFile() && !e.isLink()) {
        for (int n; (n = t.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
      }
      Map<String, String> xattrs = new TreeMap<>();
      e.getExtraPaxHeaders().forEach((k, v) -> {
        if (k.startsWith("SCHILY.xattr.")) {
          xattrs.put(k.substring("SCHILY.xattr.".length()), v);
        }
      });
      out.add(new Entry(e.getName(), type(e), e.getSize(), e.getMode(), e.getLongUserId(),
          e.getLongGroupId(), e.getUserName(), e.getGroupName(),
          e.getLastModifiedTime().toInstant().getEpochSecond(), e.getLinkName(), e.getDevMajor(),
          e.getDevMinor(), xattrs, HexFormat.of().formatHex(md.digest())));
    }
    return out;
  }

  private static char type(TarArchiveEntry e) {
    if (e.isDirectory()) {
      return 'd';
    }
    if (e.isSymbolicLink()) {
      return 'l';
    }
    if (e.isLink()) {
      return 'h';
    }
    if (e.isCharacterDevice()) {
      return 'c';
    }
    if (e.isBlockDevice()) {
      return 'b';
    }
    if (e.isFIFO()) {
      return 'p';
    }
    return '-';
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
