package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The device number ({@code MAJ:MIN}) of the mount at a path, from /proc/self/mountinfo: for a
 * FUSE mount its minor is the connection's number, so a daemon taking over can tell that the
 * mount point still shows the connection it saved state for, without a request to it (a
 * {@code stat} would wait for a server that is not reading yet).
 */
final class MountDevice {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private MountDevice() {}

  /** The topmost mount's {@code MAJ:MIN} at {@code mp}, if it is a mount point. */
  static Optional<String> of(Path mp) throws IOException {
    String want = mp.toAbsolutePath().normalize().toString();
    String found = null;
    for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(want)) {
        found = f[2];
      }
    }
    return Optional.ofNullable(found);
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
        .replace("\\134", "\\");
  }
}
