package org.stargzstore.daemon.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.run.Daemon;
import org.stargzstore.daemon.systemd.UnitRestart;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.fs.fuse.MountPointCheck;
import org.stargzstore.fs.fuse.kernel.SessionState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Clears the stale mount a killed daemon leaves ("Transport endpoint is not connected"), and
 * nothing else: the unit's {@code ExecStopPost} runs it, so podman and CRI-O find an empty
 * directory rather than a broken one while the daemon is down. A mount that a daemon still
 * serves, or another file system, is left alone.
 *
 * <p>With {@code --unit} (the unit's {@code ExecStopPost}) a mount whose FUSE connection is kept
 * for the next daemon (kernel backend, takeover) is not probed (the probe would wait 5 s for a
 * daemon that is not there yet): it is left alone if systemd restarts the unit, and detached if
 * the unit stops for good (systemd then closes the kept descriptor, which would leave it stale).
 */
@Command(name = "unmount-stale", mixinStandardHelpOptions = true,
    description = "Unmount MOUNTPOINT if it is a stale stargz-registry-storage mount (its daemon "
        + "is gone); leave a live or foreign mount alone.")
final class UnmountStaleCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "The daemon's mount point.")
  Path mountPoint;

  @Option(names = "--unit", paramLabel = "NAME",
      description = "The systemd unit whose ExecStopPost runs this: a mount kept for the next "
          + "daemon (kernel backend, takeover) is left alone if systemd restarts the unit, and "
          + "detached if it stops for good.")
  String unit;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @ParentCommand
  Main main;

  @Override
  public Integer call() throws Exception {
    Path mp = mountPoint.toAbsolutePath().normalize();
    PrintWriter out = spec.commandLine().getOut();
    if (unit != null && isKept(mp)) {
      if (UnitRestart.expected(unit)) {
        out.println("left alone: the FUSE connection at " + mp + " is kept for the next daemon ("
            + unit + " restarts)");
      } else {
        FuseMount.unmount(mp);
        out.println("detached the mount at " + mp + ": " + unit + " stopped, and systemd closes "
            + "the FUSE descriptor it kept");
      }
      return 0;
    }
    MountPointCheck.Result r = MountPointCheck.unmountIfStale(mp);
    switch (r.finding()) {
      case FREE -> out.println(mp + " is not mounted: nothing to do");
      case STALE -> out.println("unmounted the stale mount at " + mp);
      default -> out.println("left alone: " + MountPointCheck.refusal(mp, r));
    }
    return 0;
  }

  /** The mount at {@code mp} is the connection the daemon's takeover state was saved for. */
  private boolean isKept(Path mp) throws java.io.IOException {
    DaemonConfig cfg = main.loadConfig();
    return cfg.fuseTakeover() && FuseMount.isMounted(mp)
        && SessionState.in(cfg.root().resolve(Daemon.SESSION_DIR)).describesMountAt(mp);
  }
}
