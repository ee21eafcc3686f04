package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.testkit.IntegrationTest;

/**
 * The unit's {@code ExecStopPost} ({@code unmount-stale --unit}) on a mount whose FUSE connection
 * a keeper holds after a real daemon process stopped (kernel backend, the {@code fuse-holder}):
 * left alone, without the probe, when systemd restarts the unit (here: the service failed, as
 * after kill -9 with {@code Restart=on-failure}); detached when the unit stops for good, so
 * that closing the kept descriptor leaves no stale mount.
 */
@IntegrationTest
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnmountStaleKeptMountTest {
  private static final String UNIT = "stargz-registry-storage.service";
  @TempDir Path tmp;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Path mnt = tmp.resolve("mnt");
    if (FuseMount.isMounted(mnt)) {
      FuseMount.unmount(mnt);
    }
  }

  @Test
  void aKeptMountIsLeftAloneOnARestartAndDetachedOnAStop() throws Exception {
    Path socket = tmp.resolve("run/holder.sock");
    Process holder = java(Map.of(), "fuse-holder", "--socket", socket.toString(),
        "--abort-after", "120s").redirectOutput(tmp.resolve("holder.log").toFile()).start();
    processes.add(holder);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(socket)) {
      assertTrue(holder.isAlive() && System.nanoTime() < deadline,
          Files.readString(tmp.resolve("holder.log")));
      Thread.sleep(50);
    }
    Thread.sleep(200); // bound before listen() and chmod: let it finish
    Path mnt = tmp.resolve("mnt");
    Path conf = tmp.resolve("config.toml");
    Files.writeString(conf, "[store]\nroot = \"" + tmp.resolve("root") + "\"\nfsync = false\n"
        + "[fuse]\nbackend = \"kernel\"\ntakeover = true\ndescriptor_keeper = \"holder\"\n"
        + "holder_socket = \"" + socket + "\"\n");
    DaemonProcess d = DaemonProcess.start(conf, mnt, tmp.resolve("daemon.log"),
        tmp.resolve("root/control.sock"));
    assertTrue(d.log().contains("FUSE descriptor keeper: holder at " + socket), d.logTail());
    assertEquals(0, d.terminate(), d.logTail());
    assertTrue(FuseMount.isMounted(mnt), "SIGTERM with a keeper leaves the mount to it");

    String restart = unmountStale(conf, mnt, Map.of("SERVICE_RESULT", "signal"));
    assertTrue(restart.contains("left alone: the FUSE connection at " + mnt
        + " is kept for the next daemon (" + UNIT + " restarts)"), restart);
    assertTrue(FuseMount.isMounted(mnt));

    String stop = unmountStale(conf, mnt, Map.of("SERVICE_RESULT", "success"));
    assertTrue(stop.contains("detached the mount at " + mnt), stop);
    assertFalse(FuseMount.isMounted(mnt), "a stop for good leaves no mount behind");
  }

  private String unmountStale(Path conf, Path mnt, Map<String, String> env) throws Exception {
    Process p = java(env, "--config", conf.toString(), "unmount-stale", "--unit", UNIT,
        mnt.toString()).redirectErrorStream(true).start();
    processes.add(p);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private static ProcessBuilder java(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "org.stargzstore.daemon.cli.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    return pb;
  }
}
