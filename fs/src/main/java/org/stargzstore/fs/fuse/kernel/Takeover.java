package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.logging.Logger;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.MountEntry;
import org.stargzstore.fs.fuse.MountOptions;

/**
 * Starts the kernel backend so that the connection outlives the process: takes the descriptor an
 * earlier daemon left with the {@link DescriptorKeeper} and resumes it if it is still the live
 * connection mounted at the mount point, else mounts afresh (after closing a dead descriptor and
 * clearing its mount) and gives the keeper a copy for the next daemon.
 *
 * @param keeper where the descriptor waits between two daemons
 * @param state where this mount's INIT and node journal are kept (next to the store)
 */
public record Takeover(DescriptorKeeper keeper, SessionState state) {
  private static final Logger LOG = Logger.getLogger(Takeover.class.getName());

  /** How the session started, for the log and tests. */
  public enum Start { RESUMED, MOUNTED }

  /**
   * A session serving {@code root} at {@code mp}; {@code freshMount} makes the mount point ready
   * for a new mount and mounts (the caller's usual path), used when nothing can be resumed.
   */
  public KernelSession start(FsNode root, Path mp, MountOptions options, FreshMount freshMount)
      throws IOException {
    OptionalInt kept = keeper.reclaim(mp);
    if (kept.isPresent()) {
      int fd = kept.getAsInt();
      Optional<String> why = whyNotResumable(mp, fd);
      if (why.isEmpty()) {
        KernelSession s;
        try {
          s = KernelSession.resume(root, mp, options, fd, state);
        } catch (IOException | RuntimeException e) {
          LibC.get().close(fd);
          throw e;
        }
        keeper.keep(mp, s.fd());
        return s;
      }
      LOG.warning("not taking over the FUSE connection kept for " + mp + " (descriptor " + fd
          + "): " + why.get() + "; closing it and mounting afresh");
      LibC.get().close(fd);
    }
    KernelSession s = freshMount.mount();
    keeper.keep(mp, s.fd());
    return s;
  }

  /** Mounts afresh (the caller clears a stale mount first). */
  @FunctionalInterface
  public interface FreshMount {
    KernelSession mount() throws IOException;
  }

  /** Empty if {@code fd} is the live connection mounted at {@code mp} with saved state. */
  private Optional<String> whyNotResumable(Path mp, int fd) throws IOException {
    Optional<String> dead = ConnectionProbe.whyDead(fd);
    if (dead.isPresent()) {
      return dead;
    }
    Optional<MountEntry> entry = MountEntry.at(mp);
    if (entry.isEmpty() || !entry.get().isStargzStore()) {
      return Optional.of(mp + " is not a " + MountEntry.FSNAME + " mount any more ("
          + entry.map(MountEntry::toString).orElse("not a mount point") + ")");
    }
    Optional<SessionState.Saved> saved = state.load();
    if (saved.isEmpty()) {
      return Optional.of("no saved FUSE session in " + state.directory());
    }
    Optional<String> device = MountDevice.of(mp);
    if (!device.equals(Optional.of(saved.get().mountDevice()))) {
      return Optional.of("the mount at " + mp + " is device " + device.orElse("?")
          + ", the saved session was for " + saved.get().mountDevice()
          + " (another connection was mounted there since)");
    }
    return Optional.empty();
  }
}
