package org.stargzstore.fs.fuse.kernel.handover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.stargzstore.fs.fuse.kernel.DescriptorKeeper;

/**
 * Builds the {@link DescriptorKeeper} the configuration names: the one place the daemon and the
 * kernel backend's start-up get it from.
 */
public final class DescriptorKeepers {
  /** Where {@code fuse-holder} listens unless {@code [fuse] holder_socket} says otherwise. */
  public static final Path DEFAULT_HOLDER_SOCKET =
      Path.of("/run/stargz-registry-storage/fuse-holder.sock");

  private DescriptorKeepers() {}

  /** For this process (its environment and pid). */
  public static DescriptorKeeper fromConfig(DescriptorKeeperMode mode, Path holderSocket)
      throws IOException {
    return fromConfig(mode, holderSocket, System.getenv(), ProcessHandle.current().pid());
  }

  /**
   * The keeper for {@code mode}. {@code systemd} and {@code holder} chosen explicitly fail here,
   * with what to do, when systemd did not start the daemon or no holder listens; {@code auto}
   * then falls back to none.
   */
  public static DescriptorKeeper fromConfig(DescriptorKeeperMode mode, Path holderSocket,
      Map<String, String> env, long pid) throws IOException {
    boolean systemd = SystemdDescriptorStore.availableIn(env);
    boolean holder = Files.exists(holderSocket);
    return switch (mode) {
      case NONE -> NoDescriptorKeeper.INSTANCE;
      case SYSTEMD -> {
        if (!systemd) {
          throw new IOException("[fuse] descriptor_keeper = \"systemd\", but systemd did not start "
              + "this daemon (neither " + SystemdDescriptorStore.NOTIFY_SOCKET + " nor "
              + SystemdDescriptorStore.LISTEN_FDS + " is set): run it from the unit "
              + "(Type=notify, FileDescriptorStoreMax=), or choose \"holder\" or \"auto\"");
        }
        yield new SystemdDescriptorStore(SocketCalls.get(), env, pid);
      }
      case HOLDER -> {
        if (!holder) {
          throw new IOException("[fuse] descriptor_keeper = \"holder\", but no holder socket at "
              + holderSocket + ": start `stargz-registry-storage fuse-holder --socket "
              + holderSocket + "` first (as this user), or set [fuse] holder_socket");
        }
        yield new HolderDescriptorKeeper(SocketCalls.get(), holderSocket);
      }
      case AUTO -> systemd ? new SystemdDescriptorStore(SocketCalls.get(), env, pid)
          : holder ? new HolderDescriptorKeeper(SocketCalls.get(), holderSocket)
          : NoDescriptorKeeper.INSTANCE;
    };
  }
}
