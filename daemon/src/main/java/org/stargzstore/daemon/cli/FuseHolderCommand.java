package org.stargzstore.daemon.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.stargzstore.daemon.config.Durations;
import org.stargzstore.daemon.logging.LogSetup;
import org.stargzstore.fs.fuse.kernel.handover.DescriptorHolder;
import org.stargzstore.fs.fuse.kernel.handover.SocketCalls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The descriptor holder for machines without systemd: a small process, started once and left
 * running, that keeps the kernel FUSE backend's {@code /dev/fuse} descriptor while the daemon
 * restarts, so containers reading from the mount only pause (docs/fuse.md, "Keeping the FUSE
 * connection across a restart").
 */
@Command(name = "fuse-holder", mixinStandardHelpOptions = true,
    description = "Keep the /dev/fuse descriptors of kernel-backend mounts while the daemon "
        + "restarts ([fuse] descriptor_keeper = \"holder\"); end a mount whose daemon does not "
        + "come back within --abort-after.")
final class FuseHolderCommand implements Callable<Integer> {

  @Option(names = "--socket", paramLabel = "PATH",
      description = "Unix socket to listen on, created 0600 (default: [fuse] holder_socket of "
          + "the configuration, else " + "/run/stargz-registry-storage/fuse-holder.sock).")
  Path socket;

  @Option(names = "--abort-after", paramLabel = "DURATION", defaultValue = "30s",
      description = "How long a mount whose daemon disconnected waits for a new daemon before "
          + "the holder ends it (reads then fail with ENOTCONN); default: ${DEFAULT-VALUE}.")
  String abortAfter;

  @ParentCommand
  Main main;

  @Override
  public Integer call() throws Exception {
    LogSetup.configure(LogSetup.parseLevel(main.logLevel));
    Duration timeout = Durations.parse(abortAfter);
    Path socket = this.socket != null ? this.socket : main.loadConfig().holderSocket();
    Path dir = socket.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      Files.createDirectories(dir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    try (DescriptorHolder holder = new DescriptorHolder(SocketCalls.get(), socket, timeout)) {
      holder.listen();
      holder.serve();
    }
    return 0;
  }
}
