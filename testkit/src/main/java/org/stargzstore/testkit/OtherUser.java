package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs commands as {@code nobody} (uid and gid 65534, no supplementary groups) with
 * {@code setpriv}, to check what a user other than the daemon's can read. Tests run as root, and
 * root reads everything on disk, so only another user shows what the permissions and mount
 * options keep out.
 */
public final class OtherUser {
  public static final int NOBODY = 65534;

  private OtherUser() {}

  /** {@code COMMAND...} run as nobody (combined output). */
  public static ExternalTools.Result run(String... command) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY,
        "--regid=" + NOBODY, "--clear-groups", "--"));
    cmd.addAll(List.of(command));
    return ExternalTools.run(cmd, 60);
  }

  /** nobody reading {@code file} ({@code cat}), or listing it if a directory ({@code ls}). */
  public static ExternalTools.Result read(Path file) throws IOException {
    return Files.isDirectory(file) ? run("ls", "-a", file.toString())
        : run("cat", file.toString());
  }

  /**
   * Makes {@code dir} (a test's temporary directory, created 0700) enterable and listable by
   * every user, so that what keeps nobody out below it is the code under test, not the test's
   * own directory.
   */
  public static void openToEveryone(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
