package org.stargzstore.fs.store;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The store holds the content of images pulled with registry credentials, so only its owner (the
 * daemon's user, root) may read it: directories are created 0700 and files 0600, whatever the
 * umask (which can only take bits away). A store made by an older daemon (0755 / 0644) is closed
 * by making its root 0700 once at open, instead of walking millions of chunk files.
 */
public final class PrivateFiles {
  private static final Logger LOG = Logger.getLogger(PrivateFiles.class.getName());

  public static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  public static final Set<PosixFilePermission> DIRECTORY_MODE =
      PosixFilePermissions.fromString("rwx------");

  private PrivateFiles() {}

  /** The attribute that creates a file 0600. */
  public static FileAttribute<Set<PosixFilePermission>> file() {
    return PosixFilePermissions.asFileAttribute(FILE_MODE);
  }

  /** The attribute that creates a directory 0700. */
  public static FileAttribute<Set<PosixFilePermission>> directory() {
    return PosixFilePermissions.asFileAttribute(DIRECTORY_MODE);
  }

  /** Creates {@code dir} and its missing parents, each 0700; existing ones are left as they are. */
  public static Path createDirectories(Path dir) throws IOException {
    return Files.createDirectories(dir, directory());
  }

  /**
   * Creates {@code dir} 0700 if missing, or makes an existing one 0700 (logging what it was), so
   * nothing under it is reachable by other users whatever the modes inside.
   */
  public static void restrictDirectory(Path dir) throws IOException {
    createDirectories(dir);
    Set<PosixFilePermission> was = Files.getPosixFilePermissions(dir);
    if (!was.equals(DIRECTORY_MODE)) {
      try {
        Files.setPosixFilePermissions(dir, DIRECTORY_MODE);
      } catch (FileSystemException e) {
        throw new IOException("cannot make " + dir + " private (rwx------, it is "
            + PosixFilePermissions.toString(was) + "): " + e.getMessage() + "; the store holds "
            + "content of private images, so the daemon's user must own its root", e);
      }
      LOG.info(() -> dir + " was " + PosixFilePermissions.toString(was) + "; made it rwx------ so "
          + "that only its owner reads the store (content of private images is kept there)");
    }
  }
}
