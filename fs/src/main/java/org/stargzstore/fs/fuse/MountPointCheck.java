package org.stargzstore.fs.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Decides what may be done with a mount point that is already a mount: only a stale mount of our
 * own file system (left by a killed daemon) is cleared. A mount another daemon still serves is
 * never touched (a lazy unmount would pull the layers from under running containers), and
 * neither is anybody else's file system.
 */
public final class MountPointCheck {
  private static final Logger LOG = Logger.getLogger(MountPointCheck.class.getName());
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  /** What is at a mount point. */
  public enum Finding {
    /** Not a mount point. */
    FREE,
    /** Our file system whose daemon is gone ("Transport endpoint is not connected"). */
    STALE,
    /** Our file system, and its daemon answers. */
    LIVE,
    /** Our file system, and its daemon does not answer (hung or stopped): not ours to clear. */
    NOT_ANSWERING,
    /** Another file system. */
    FOREIGN
  }

  /** The finding and the mount it is about (empty when {@link Finding#FREE}). */
  public record Result(Finding finding, Optional<MountEntry> mount) {}

  private MountPointCheck() {}

  /** Looks at {@code mp} without changing anything. */
  public static Result inspect(Path mp) throws IOException {
    Path abs = mp.toAbsolutePath().normalize();
    Optional<MountEntry> entry = MountEntry.at(abs);
    if (entry.isEmpty()) {
      return new Result(Finding.FREE, entry);
    }
    if (!entry.get().isStargzStore()) {
      return new Result(Finding.FOREIGN, entry);
    }
    Finding f = switch (MountProbe.probe(abs, PROBE_TIMEOUT)) {
      case NOT_CONNECTED -> Finding.STALE;
      case NO_ANSWER -> Finding.NOT_ANSWERING;
      case ANSWERS -> Finding.LIVE;
    };
    return new Result(f, entry);
  }

  /**
   * Makes {@code mp} ready for a new mount: clears our stale mount, and refuses (with what to do)
   * when a running daemon serves it or another file system is mounted there.
   */
  public static void prepareForMount(Path mp) throws IOException {
    Path abs = mp.toAbsolutePath().normalize();
    Result r = inspect(abs);
    switch (r.finding()) {
      case FREE -> { }
      case STALE -> {
        LOG.warning("a stale mount is at " + abs + " (a previous daemon did not unmount): "
            + "unmounting it");
        FuseMount.unmount(abs);
      }
      default -> throw new IOException(refusal(abs, r));
    }
  }

  /**
   * Clears {@code mp} if it is our stale mount, and returns what was found (for
   * {@code unmount-stale}: a live or foreign mount is left alone).
   */
  public static Result unmountIfStale(Path mp) throws IOException {
    Path abs = mp.toAbsolutePath().normalize();
    Result r = inspect(abs);
    if (r.finding() == Finding.STALE) {
      FuseMount.unmount(abs);
    }
    return r;
  }

  /** Why a mount at {@code mp} is refused, and what the user can do about it. */
  public static String refusal(Path mp, Result r) {
    String what = r.mount().map(MountEntry::toString).orElse("nothing");
    String server = r.finding() == Finding.LIVE || r.finding() == Finding.NOT_ANSWERING
        ? MountServer.pidOf(mp).map(pid -> "pid " + pid + ", ").orElse("") : "";
    return switch (r.finding()) {
      case LIVE -> mp + " is served by a running stargz-registry-storage (" + server + what
          + "); stop it first (systemctl stop stargz-registry-storage) or use another mount point";
      case NOT_ANSWERING -> mp + " is mounted by a stargz-registry-storage that does not answer "
          + "within " + PROBE_TIMEOUT.toSeconds() + " s (stopped or hung: " + server + what
          + "); stop or kill it first, or use another mount point (a daemon killed while one of "
          + "its own threads read the mount can stay stuck; 'umount -f " + mp + "' aborts its "
          + "FUSE connection)";
      case FOREIGN -> mp + " is already a mount point of another file system (" + what
          + "); refusing to mount over it: unmount it or use another mount point";
      default -> mp + ": " + r.finding();
    };
  }
}
