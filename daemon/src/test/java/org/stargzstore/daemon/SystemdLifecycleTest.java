package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.cli.Main;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.daemon.systemd.UnixDatagramSocket;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.fs.fuse.MountEntry;
import org.stargzstore.fs.fuse.MountPointCheck;
import org.stargzstore.fs.fuse.MountPointCheck.Finding;
import org.stargzstore.testkit.IntegrationTest;

/**
 * The daemon as systemd runs it ({@code Type=notify}): the test plays systemd's side of
 * {@code NOTIFY_SOCKET}. READY=1 comes only once the mount serves, SIGTERM gives STOPPING=1 and
 * exit status 0; a second daemon never takes a live mount point over; a killed daemon's stale
 * mount is cleared by the next start or by {@code unmount-stale}.
 */
@IntegrationTest
class SystemdLifecycleTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START = Duration.ofSeconds(120);
  @TempDir Path tmp;

  private Path config(String name) throws IOException {
    Path root = tmp.resolve(name);
    Path config = tmp.resolve(name + ".toml");
    Files.writeString(config, "[store]\nroot = \"" + root + "\"\n");
    return config;
  }

  private boolean answersStatus(String root) {
    try {
      return ControlServer.call(tmp.resolve(root).resolve("control.sock"),
          JSON.createObjectNode().put("op", "status")).path("ok").asBoolean();
    } catch (IOException e) {
      return false;
    }
  }

  /** The mount point is our live FUSE mount and its root can be listed. */
  private static void assertServes(Path mnt) throws IOException {
    Optional<MountEntry> entry = MountEntry.at(mnt);
    assertTrue(entry.isPresent() && entry.get().isStargzStore(), "mounted: " + entry);
    assertEquals(Finding.LIVE, MountPointCheck.inspect(mnt).finding());
    try (Stream<Path> s = Files.list(mnt)) {
      s.count();
    }
  }

  private static String unmountStale(Path mnt) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), "unmount-stale", mnt.toString());
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void notifiesReadyOnceServingAndStoppingOnSigtermThenExitsZero() throws Exception {
    Path mnt = tmp.resolve("mnt");
    String socket = tmp.resolve("notify.sock").toString();
    try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(socket);
        DaemonProcess d = DaemonProcess.launch(config("root"), mnt, tmp.resolve("daemon.log"),
            Map.of("NOTIFY_SOCKET", socket))) {
      Optional<String> ready = systemd.receive(START);
      assertTrue(ready.isPresent(), "no READY=1 within " + START + ":\n" + d.logTail());
      // checked the moment READY=1 arrives: it must not come before the store serves
      assertTrue(answersStatus("root"), "control socket answers when READY=1 arrives");
      assertServes(mnt);
      assertTrue(ready.get().startsWith("READY=1\n"), ready.get());
      assertTrue(ready.get().contains("\nSTATUS=serving layers at " + mnt), ready.get());
      assertTrue(ready.get().contains("\nMAINPID=" + d.pid()), ready.get());

      assertEquals(Optional.empty(), systemd.receive(Duration.ofMillis(200)), "only one READY");
      int exit = d.terminate();
      Optional<String> stopping = systemd.receive(Duration.ofSeconds(5));
      assertTrue(stopping.isPresent() && stopping.get().startsWith("STOPPING=1\n"),
          stopping + "\n" + d.logTail());
      assertEquals(0, exit, "SIGTERM is a clean stop, not 143:\n" + d.logTail());
      assertFalse(FuseMount.isMounted(mnt), "SIGTERM unmounts");
    }
  }

  @Test
  void aSecondDaemonRefusesALiveMountPointAndLeavesItServing() throws Exception {
    Path mnt = tmp.resolve("mnt");
    try (DaemonProcess first = DaemonProcess.start(config("root1"), mnt, tmp.resolve("d1.log"),
        tmp.resolve("root1/control.sock"))) {
      Path secondLog = tmp.resolve("d2.log");
      // not closed with try: DaemonProcess.close() unmounts whatever is at its mount point
      DaemonProcess second = DaemonProcess.launch(config("root2"), mnt, secondLog);
      int exit = second.awaitExit(START);
      assertNotEquals(-1, exit, "the second daemon must exit:\n" + second.logTail());
      assertNotEquals(0, exit, "the second daemon must fail:\n" + second.logTail());
      assertTrue(second.log().contains(mnt + " is served by a running stargz-registry-storage (pid "
          + first.pid() + ", fuse.stargz"), second.logTail());

      // the same root on another mount point: refused by the root's lock, naming the holder
      DaemonProcess third = DaemonProcess.launch(config("root1"), tmp.resolve("mnt3"),
          tmp.resolve("d3.log"));
      assertEquals(1, third.awaitExit(START), third.logTail());
      assertTrue(third.log().contains("another stargz-registry-storage (pid " + first.pid()
          + ") is using " + tmp.resolve("root1")), third.logTail());
      assertTrue(answersStatus("root1"), first.logTail());
      assertServes(mnt);

      assertTrue(unmountStale(mnt).startsWith("left alone: " + mnt + " is served by a running"));
      assertServes(mnt);

      first.kill();
      assertEquals(Finding.STALE, MountPointCheck.inspect(mnt).finding(),
          "kill -9 leaves a stale mount");
      assertEquals("unmounted the stale mount at " + mnt + "\n", unmountStale(mnt));
      assertFalse(FuseMount.isMounted(mnt));
      assertEquals(mnt + " is not mounted: nothing to do\n", unmountStale(mnt));
    }
  }

  @Test
  void startsOverTheStaleMountOfAKilledDaemon() throws Exception {
    Path mnt = tmp.resolve("mnt");
    Path config = config("root");
    Path log = tmp.resolve("daemon.log");
    DaemonProcess first = DaemonProcess.start(config, mnt, log, tmp.resolve("root/control.sock"));
    first.kill();
    assertTrue(FuseMount.isMounted(mnt), "SIGKILL leaves the mount behind");
    try (DaemonProcess second = DaemonProcess.start(config, mnt, log,
        tmp.resolve("root/control.sock"))) {
      assertTrue(second.log().contains("a stale mount is at " + mnt), second.logTail());
      assertServes(mnt);
      assertEquals(0, second.terminate(), second.logTail());
      assertFalse(FuseMount.isMounted(mnt));
    }
  }
}
