package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process's standard output or error is a terminal. Java only tells whether both
 * stdin and stdout are ({@code System.console()}); progress belongs on stderr and a blob must not
 * land on a terminal, so this asks Linux which file each descriptor is.
 */
final class Terminals {
  private Terminals() {}

  static boolean stdoutIsTerminal(CliStreams streams) {
    return streams.out() == System.out && isTerminal(1);
  }

  static boolean stderrIsTerminal(CliStreams streams) {
    return streams.err() == System.err && isTerminal(2);
  }

  private static boolean isTerminal(int fd) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
