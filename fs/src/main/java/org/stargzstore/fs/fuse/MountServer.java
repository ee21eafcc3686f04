package org.stargzstore.fs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the process that serves a FUSE mount, so a refusal can say which daemon to stop. The
 * kernel does not tell; this looks for the one process that holds {@code /dev/fuse} open and has
 * the mount point among its arguments (relative ones resolved against its working directory).
 * Best effort: empty when it finds none or several.
 */
final class MountServer {
  private static final Path PROC = Path.of("/proc");
  private static final Path DEV_FUSE = Path.of("/dev/fuse");

  private MountServer() {}

  static Optional<Long> pidOf(Path mountPoint) {
    Path mp = mountPoint.toAbsolutePath().normalize();
    long self = ProcessHandle.current().pid();
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC,
        p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
      for (Path proc : procs) {
        long pid = Long.parseLong(proc.getFileName().toString());
        if (pid != self && namesMountPoint(proc, mp) && holdsDevFuse(proc)) {
          found.add(pid);
        }
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
  }

  private static boolean namesMountPoint(Path proc, Path mp) {
    try {
      String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")),
          StandardCharsets.UTF_8);
      if (!cmdline.contains(mp.getFileName() == null ? "/" : mp.getFileName().toString())) {
        return false;
      }
      Path cwd = Files.readSymbolicLink(proc.resolve("cwd"));
      for (String arg : cmdline.split("\0")) {
        if (!arg.isEmpty() && !arg.startsWith("-")
            && cwd.resolve(arg).normalize().equals(mp)) {
          return true;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process exited or is not ours to look at
    }
    return false;
  }

  private static boolean holdsDevFuse(Path proc) {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
      for (Path fd : fds) {
        try {
          if (Files.readSymbolicLink(fd).equals(DEV_FUSE)) {
            return true;
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process exited or is not ours to look at
    }
    return false;
  }
}
