package org.stargzstore.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.fs.fuse.FuseMount;

/**
 * The daemon as its own process (the test JVM's class path, the real {@code Main}), so tests can
 * kill it with SIGKILL as a crash would, and start it again over what it left behind.
 */
final class DaemonProcess implements AutoCloseable {
  private final Process process;
  private final Path mountPoint;
  private final Path log;

  private DaemonProcess(Process process, Path mountPoint, Path log) {
    this.process = process;
    this.mountPoint = mountPoint;
    this.log = log;
  }

  /**
   * Starts {@code Main --config CONFIG MOUNTPOINT} and waits until it answers on its control
   * socket (its mount is up by then). The mount table alone cannot tell: a killed daemon's stale
   * mount is still listed, and the kernel may answer a stat of its root from cache.
   */
  static DaemonProcess start(Path config, Path mountPoint, Path log, Path controlSocket)
      throws IOException {
    return start(config, mountPoint, log, controlSocket, "-Xmx512m");
  }

  /** As {@link #start(Path, Path, Path, Path)}, with the JVM's heap option (e.g. -Xmx64m). */
  static DaemonProcess start(Path config, Path mountPoint, Path log, Path controlSocket,
      String heap) throws IOException {
    return awaitReady(launch(config, mountPoint, log, heap), controlSocket);
  }

  /**
   * Starts {@code command} (an installed launcher with its arguments, say), which mounts at
   * {@code mountPoint}, and waits as {@link #start(Path, Path, Path, Path)} does.
   */
  static DaemonProcess start(List<String> command, Path mountPoint, Path log, Path controlSocket)
      throws IOException {
    return awaitReady(launch(command, mountPoint, log), controlSocket);
  }

  private static DaemonProcess awaitReady(DaemonProcess d, Path controlSocket)
      throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!d.answers(controlSocket)) {
      if (!d.process.isAlive()) {
        throw new IOException("daemon exited with " + d.process.exitValue() + ":\n" + d.logTail());
      }
      if (Instant.now().isAfter(deadline)) {
        d.process.destroyForcibly();
        throw new IOException("daemon did not become ready within 60 s:\n" + d.logTail());
      }
      sleep(50);
    }
    return d;
  }

  /** Starts the daemon process without waiting for it to be ready. */
  static DaemonProcess launch(Path config, Path mountPoint, Path log) throws IOException {
    return launch(config, mountPoint, log, "-Xmx512m", Map.of());
  }

  /** Starts the daemon process with {@code env} added to its environment, without waiting. */
  static DaemonProcess launch(Path config, Path mountPoint, Path log, Map<String, String> env)
      throws IOException {
    return launch(config, mountPoint, log, "-Xmx512m", env);
  }

  private static DaemonProcess launch(Path config, Path mountPoint, Path log, String heap)
      throws IOException {
    return launch(config, mountPoint, log, heap, Map.of());
  }

  private static DaemonProcess launch(Path config, Path mountPoint, Path log, String heap,
      Map<String, String> env) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dfile.encoding=UTF-8", heap,
        "-cp", System.getProperty("java.class.path"),
        "org.stargzstore.daemon.cli.Main", "--config", config.toString(), "--log-level", "debug",
        mountPoint.toString()));
    return launch(cmd, mountPoint, log, env);
  }

  private static DaemonProcess launch(List<String> cmd, Path mountPoint, Path log)
      throws IOException {
    return launch(cmd, mountPoint, log, Map.of());
  }

  private static DaemonProcess launch(List<String> cmd, Path mountPoint, Path log,
      Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    Process p = pb.start();
    return new DaemonProcess(p, mountPoint, log);
  }

  private boolean answers(Path controlSocket) {
    try {
      return process.isAlive() && ControlServer.call(controlSocket,
          new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("op", "status"))
          .path("ok").asBoolean();
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits up to {@code timeout} for the process to exit; its exit code, or -1 if still alive. */
  int awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  long pid() {
    return process.pid();
  }

  /** The process's peak resident set size so far (VmHWM), in bytes. */
  long peakRssBytes() throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (l.startsWith("VmHWM:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmHWM in /proc/" + pid() + "/status");
  }

  /** SIGKILL: no shutdown hook runs, the FUSE mount is left dangling. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM: the daemon unmounts and exits. Returns its exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      terminate();
    }
    if (FuseMount.isMounted(mountPoint)) {
      FuseMount.unmount(mountPoint);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
