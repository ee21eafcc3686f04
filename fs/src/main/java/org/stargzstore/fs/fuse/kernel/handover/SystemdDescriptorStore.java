package org.stargzstore.fs.fuse.kernel.handover;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.logging.Logger;
import org.stargzstore.fs.fuse.kernel.DescriptorKeeper;

/**
 * systemd's file descriptor store as a {@link DescriptorKeeper}: {@code keep} sends
 * {@code FDSTORE=1} and {@code FDNAME=} with the descriptor (SCM_RIGHTS) to
 * {@code $NOTIFY_SOCKET}; systemd holds it while the service restarts ({@code Restart=}, {@code
 * systemctl restart}) and hands it to the next start as one of the {@code LISTEN_FDS}
 * descriptors (from 3, named in {@code LISTEN_FDNAMES}, for the process {@code LISTEN_PID}),
 * where {@code reclaim} finds it. The unit needs {@code FileDescriptorStoreMax=} (docs/fuse.md).
 */
public final class SystemdDescriptorStore implements DescriptorKeeper {
  private static final Logger LOG = Logger.getLogger(SystemdDescriptorStore.class.getName());
  public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
  public static final String LISTEN_FDS = "LISTEN_FDS";
  public static final String LISTEN_FDNAMES = "LISTEN_FDNAMES";
  public static final String LISTEN_PID = "LISTEN_PID";
  private static final int SD_LISTEN_FDS_START = 3;

  private final SocketCalls calls;
  private final Map<String, String> env;
  private final long pid;
  private final Set<Integer> handedOut = new HashSet<>();

  /** A store for this process's environment ({@code env}) and {@code pid}. */
  public SystemdDescriptorStore(SocketCalls calls, Map<String, String> env, long pid) {
    this.calls = calls;
    this.env = Map.copyOf(env);
    this.pid = pid;
  }

  /** For this process. */
  public static SystemdDescriptorStore fromEnvironment() {
    return new SystemdDescriptorStore(SocketCalls.get(), System.getenv(),
        ProcessHandle.current().pid());
  }

  /** Whether systemd started this process with a notify socket or passed descriptors. */
  public static boolean availableIn(Map<String, String> env) {
    return !env.getOrDefault(NOTIFY_SOCKET, "").isEmpty()
        || !env.getOrDefault(LISTEN_FDS, "").isEmpty();
  }

  @Override
  public synchronized OptionalInt reclaim(Path mountpoint) throws IOException {
    String name = DescriptorNames.forMountPoint(mountpoint);
    String listenPid = env.getOrDefault(LISTEN_PID, "");
    if (listenPid.isEmpty() || !listenPid.equals(Long.toString(pid))) {
      if (!listenPid.isEmpty()) {
        LOG.info("LISTEN_PID=" + listenPid + " is not this process (" + pid
            + "): the passed descriptors are not ours, none reclaimed");
      }
      return OptionalInt.empty();
    }
    int count = parseCount(env.getOrDefault(LISTEN_FDS, "0"));
    List<String> names = List.of(env.getOrDefault(LISTEN_FDNAMES, "").split(":", -1));
    for (int i = 0; i < count && i < names.size(); i++) {
      int fd = SD_LISTEN_FDS_START + i;
      if (names.get(i).equals(name) && handedOut.add(fd)) {
        if (calls.fcntl(fd, SocketCalls.F_SETFD, SocketCalls.FD_CLOEXEC) != 0) {
          throw new IOException(calls.describeError("descriptor " + fd + " (" + LISTEN_FDNAMES
              + " " + name + ", mount point " + mountpoint + ") from systemd is not open"));
        }
        LOG.info("reclaimed the FUSE descriptor of " + mountpoint + " from systemd's descriptor "
            + "store (fd " + fd + ", name " + name + ")");
        return OptionalInt.of(fd);
      }
    }
    return OptionalInt.empty();
  }

  @Override
  public void keep(Path mountpoint, int fd) throws IOException {
    String socket = env.getOrDefault(NOTIFY_SOCKET, "");
    if (socket.isEmpty()) {
      throw new IOException("cannot keep the FUSE descriptor of " + mountpoint + " in systemd's "
          + "descriptor store: " + NOTIFY_SOCKET + " is not set (not started by systemd as a "
          + "Type=notify service)");
    }
    String name = DescriptorNames.forMountPoint(mountpoint);
    int s = calls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_DGRAM | SocketCalls.SOCK_CLOEXEC,
        0);
    if (s < 0) {
      throw new IOException(calls.describeError("cannot create a unix datagram socket"));
    }
    try {
      new FdPassing(calls).send(s, FdMessage.text("FDSTORE=1\nFDNAME=" + name, fd),
          UnixAddress.of(socket), "systemd's " + NOTIFY_SOCKET + " " + socket);
    } finally {
      calls.close(s);
    }
    LOG.info("kept the FUSE descriptor of " + mountpoint + " in systemd's descriptor store "
        + "(name " + name + ")");
  }

  private static int parseCount(String s) throws IOException {
    try {
      int n = Integer.parseInt(s.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IOException(LISTEN_FDS + " is not a count of descriptors: '" + s + "'");
    }
  }

  @Override
  public String toString() {
    return "systemd's file descriptor store (FDSTORE=1)";
  }
}
