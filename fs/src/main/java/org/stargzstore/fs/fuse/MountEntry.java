package org.stargzstore.fs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the kernel has mounted at a path (one line of {@code /proc/self/mountinfo}). A daemon
 * only ever takes a mount point over from a stale mount of its own file system type, so it must
 * tell ours ({@link #isStargzStore()}) from anybody else's.
 *
 * @param mountPoint the mount point, unescaped
 * @param fsType the file system type ({@code fuse.stargz} for ours)
 * @param source the mount source (for FUSE the {@code fsname} option)
 */
public record MountEntry(String mountPoint, String fsType, String source) {
  /** The {@code fsname} our mounts set (see {@link MountOptions#fuseArgs()}). */
  public static final String FSNAME = "stargz-registry-storage";
  /** The {@code subtype} our mounts set: the kernel lists them as {@code fuse.stargz}. */
  public static final String SUBTYPE = "stargz";

  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /** The topmost mount at {@code mp} (the last one listed), if {@code mp} is a mount point. */
  public static Optional<MountEntry> at(Path mp) throws IOException {
    String want = mp.toAbsolutePath().normalize().toString();
    MountEntry found = null;
    for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
      Optional<MountEntry> e = parse(line);
      if (e.isPresent() && e.get().mountPoint().equals(want)) {
        found = e.get();
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * Parses a mountinfo line: {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] -
   * FSTYPE SOURCE SUPEROPTIONS}; empty if the line is not in that shape.
   */
  static Optional<MountEntry> parse(String line) {
    String[] f = line.split(" ");
    int dash = -1;
    for (int i = 6; i < f.length; i++) {
      if (f[i].equals("-")) {
        dash = i;
        break;
      }
    }
    if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
      return Optional.empty();
    }
    return Optional.of(new MountEntry(unescape(f[4]), unescape(f[dash + 1]),
        unescape(f[dash + 2])));
  }

  /** True for a mount made by stargz-registry-storage (by its FUSE subtype or fsname). */
  public boolean isStargzStore() {
    return fsType.equals("fuse." + SUBTYPE)
        || (fsType.equals("fuse") || fsType.startsWith("fuse.")) && source.equals(FSNAME);
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
        .replace("\\134", "\\");
  }

  @Override
  public String toString() {
    return fsType + " (" + source + ") at " + mountPoint;
  }
}
