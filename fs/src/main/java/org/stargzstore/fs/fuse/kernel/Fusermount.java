package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnFileAction;
import org.stargzstore.fs.fuse.MountEntry;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.fs.fuse.kernel.handover.FdMessage;
import org.stargzstore.fs.fuse.kernel.handover.FdPassing;
import org.stargzstore.fs.fuse.kernel.handover.SocketCalls;

/**
 * Mounts a FUSE connection for a user who may not call {@code mount(2)}, as libfuse does: the
 * setuid {@code fusermount3} opens {@code /dev/fuse}, mounts it, and passes the descriptor back
 * over the socket named by {@code _FUSE_COMMFD} (SCM_RIGHTS); from there the session is the same
 * as a root mount's. The JDK's process launcher closes every inherited descriptor, so the helper
 * is started with {@code posix_spawnp} (jnr-posix, which jnr-fuse brings) and the socket is
 * handed to it as descriptor 3.
 */
final class Fusermount {
  static final String COMMAND = "fusermount3";
  private static final int CHILD_FD = 3;

  private Fusermount() {}

  /** The options fusermount3 takes ({@code -o}); it adds fd, rootmode, user_id and group_id. */
  static String options(MountOptions options) {
    List<String> o = new ArrayList<>(List.of("fsname=" + MountEntry.FSNAME,
        "subtype=" + MountEntry.SUBTYPE, "default_permissions"));
    if (options.allowOther()) {
      o.add("allow_other");
    }
    return String.join(",", o);
  }

  /** Mounts at {@code mountPoint} through fusermount3; returns the {@code /dev/fuse} descriptor. */
  static int mount(SocketCalls calls, Path mountPoint, MountOptions options) throws IOException {
    int[] pair = new int[2];
    if (calls.socketpair(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC,
        0, pair) != 0) {
      throw new IOException(calls.describeError("cannot create a socket pair for " + COMMAND));
    }
    String opts = options(options);
    try {
      POSIX posix = POSIXFactory.getNativePOSIX();
      List<String> env = new ArrayList<>();
      for (Map.Entry<String, String> e : System.getenv().entrySet()) {
        env.add(e.getKey() + "=" + e.getValue());
      }
      env.add("_FUSE_COMMFD=" + CHILD_FD);
      long pid = posix.posix_spawnp(COMMAND, List.of(SpawnFileAction.dup(pair[1], CHILD_FD)),
          List.of(COMMAND, "-o", opts, "--", mountPoint.toString()), env);
      if (pid <= 0) {
        throw new IOException("cannot start " + COMMAND + " to mount " + mountPoint
            + " (is fuse3 installed, " + COMMAND + " setuid root?): errno " + posix.errno());
      }
      calls.close(pair[1]);
      pair[1] = -1;
      Optional<FdMessage> m = new FdPassing(calls).receive(pair[0], 16, COMMAND);
      int[] status = new int[1];
      posix.waitpid(pid, status, 0);
      if (m.isEmpty() || m.get().fd().isEmpty()) {
        throw new IOException(COMMAND + " did not mount " + mountPoint + " (exit status "
            + exitCode(status[0]) + "; options " + opts + "; its message is on the daemon's "
            + "stderr; allow_other needs user_allow_other in /etc/fuse.conf)");
      }
      return m.get().fd().getAsInt();
    } finally {
      calls.close(pair[0]);
      if (pair[1] >= 0) {
        calls.close(pair[1]);
      }
    }
  }

  private static int exitCode(int status) {
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
  }
}
