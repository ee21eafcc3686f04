package org.stargzstore.daemon.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stargzstore.fs.fuse.MountPointCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Clears the stale mount a killed daemon leaves ("Transport endpoint is not connected"), and
 * nothing else: the unit's {@code ExecStopPost} runs it, so podman and CRI-O find an empty
 * directory rather than a broken one while the daemon is down. A mount that a daemon still
 * serves, or another file system, is left alone.
 */
@Command(name = "unmount-stale", mixinStandardHelpOptions = true,
    description = "Unmount MOUNTPOINT if it is a stale stargz-registry-storage mount (its daemon "
        + "is gone); leave a live or foreign mount alone.")
final class UnmountStaleCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "The daemon's mount point.")
  Path mountPoint;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path mp = mountPoint.toAbsolutePath().normalize();
    MountPointCheck.Result r = MountPointCheck.unmountIfStale(mp);
    PrintWriter out = spec.commandLine().getOut();
    switch (r.finding()) {
      case FREE -> out.println(mp + " is not mounted: nothing to do");
      case STALE -> out.println("unmounted the stale mount at " + mp);
      default -> out.println("left alone: " + MountPointCheck.refusal(mp, r));
    }
    return 0;
  }
}
