package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
 * {@code stargz-registry-storage fuse-holder} with real processes: a "daemon" keeps a descriptor
 * in it and is killed with SIGKILL, another process reclaims the same open file; and when no
 * daemon reclaims a real FUSE connection within {@code --abort-after}, the holder ends it, so a
 * reader gets ENOTCONN instead of waiting forever, and the mount point is clean.
 */
@IntegrationTest
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a child that hangs
class FuseHolderTest {
  @TempDir Path tmp;
  private final List<Process> processes = new ArrayList<>();
  private final Map<Process, BufferedReader> readers = new HashMap<>();

  @AfterEach
  void stopProcesses() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Path mp = tmp.resolve("mnt");
    if (Files.exists(mp) && FuseMount.isMounted(mp)) {
      new ProcessBuilder("umount", "-l", mp.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aDescriptorKeptByAKilledDaemonIsReclaimedByTheNextAsTheSameOpenFile() throws Exception {
    Path socket = startHolder("60s");
    assertEquals("rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    Path mp = tmp.resolve("pipe-mount");
    Process first = child("keep-pipe", socket, mp);
    awaitLine(first, "KEPT");
    long firstPid = first.pid();
    first.destroyForcibly();
    assertTrue(first.waitFor(10, TimeUnit.SECONDS));
    assertNotEquals(0, first.exitValue());

    Process second = child("reclaim-pipe", socket, mp);
    String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(second.waitFor(60, TimeUnit.SECONDS));
    assertTrue(out.contains("READ: written by pid " + firstPid), out);
  }

  @Test
  void aConnectionNobodyReclaimsIsEndedAfterTheTimeoutAndReadsFailInsteadOfHanging()
      throws Exception {
    Duration abortAfter = Duration.ofSeconds(5);
    Path socket = startHolder(abortAfter.toSeconds() + "s");
    Path mp = Files.createDirectories(tmp.resolve("mnt"));
    Process daemon = child("keep-fuse", socket, mp);
    awaitLine(daemon, "KEPT");
    assertTrue(FuseMount.isMounted(mp));
    // the next daemon's JVM is up before the kill, so that it reclaims well within the timeout
    Process next = child("reclaim-fuse", socket, mp);
    awaitLine(next, "READY");
    daemon.destroyForcibly();
    assertTrue(daemon.waitFor(10, TimeUnit.SECONDS));

    // a new daemon reclaims in time: the connection is the mount's (its INIT is still queued)
    next.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
    next.getOutputStream().flush();
    assertTrue(awaitLine(next, "RECLAIMED").endsWith("/dev/fuse"));
    assertEquals("OPCODE 26", awaitLine(next, "OPCODE")); // FUSE_INIT
    Thread.sleep(abortAfter.plusSeconds(1).toMillis());
    assertTrue(FuseMount.isMounted(mp), "kept while the reclaiming daemon is connected");

    // it goes away too, and nobody comes: a reader waits at most about the timeout, then fails
    Instant start = Instant.now();
    next.getOutputStream().close();
    assertTrue(next.waitFor(30, TimeUnit.SECONDS));
    Process reader = new ProcessBuilder("ls", mp.toString()).redirectErrorStream(true).start();
    processes.add(reader);
    assertTrue(reader.waitFor(60, TimeUnit.SECONDS), "the reader hangs");
    String out = new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertNotEquals(0, reader.exitValue(), out);
    assertTrue(out.contains("Transport endpoint is not connected"), out);
    System.out.println("reader failed " + Duration.between(start, Instant.now()).toMillis()
        + " ms after the last daemon left (timeout " + abortAfter.toSeconds() + " s): " + out);
    Instant deadline = Instant.now().plusSeconds(30);
    while (FuseMount.isMounted(mp) && Instant.now().isBefore(deadline)) {
      Thread.sleep(50);
    }
    assertTrue(!FuseMount.isMounted(mp), "the holder detached the mount");
    String log = "";
    while (!log.contains("detached the mount") && Instant.now().isBefore(deadline)) {
      Thread.sleep(50); // the holder logs once umount2 returned
      log = Files.readString(tmp.resolve("holder.log"));
    }
    assertTrue(log.contains("no daemon reclaimed the FUSE descriptor of " + mp)
        && log.contains("detached the mount"), log);
  }

  private Path startHolder(String abortAfter) throws Exception {
    Path socket = tmp.resolve("run/holder.sock");
    Process p = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"),
        "org.stargzstore.daemon.cli.Main", "fuse-holder", "--socket", socket.toString(),
        "--abort-after", abortAfter).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("holder.log").toFile()).start();
    processes.add(p);
    Instant deadline = Instant.now().plusSeconds(60);
    while (!Files.exists(socket)) {
      assertTrue(p.isAlive() && Instant.now().isBefore(deadline),
          "holder did not start: " + Files.readString(tmp.resolve("holder.log")));
      Thread.sleep(50);
    }
    Thread.sleep(200); // bound before listen() and chmod: let it finish
    return socket;
  }

  private Process child(String mode, Path socket, Path mp) throws IOException {
    Process p = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"),
        KeeperChild.class.getName(), mode, socket.toString(), mp.toString())
        .redirectError(tmp.resolve(mode + ".err").toFile()).start();
    processes.add(p);
    return p;
  }

  /**
   * The next line of {@code p}'s output that starts with {@code prefix}. One reader per process:
   * a reader reads ahead, and a second one would miss what the first buffered.
   */
  private String awaitLine(Process p, String prefix) throws IOException {
    BufferedReader r = readers.computeIfAbsent(p, q -> new BufferedReader(
        new InputStreamReader(q.getInputStream(), StandardCharsets.UTF_8)));
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    StringBuilder err = new StringBuilder();
    try (var files = Files.newDirectoryStream(tmp, "*.err")) {
      for (Path f : files) {
        err.append('\n').append(f.getFileName()).append(": ").append(Files.readString(f));
      }
    }
    throw new IOException("a child ended without " + prefix + "; stderr of the children:" + err
        + "\nholder log: " + Files.readString(tmp.resolve("holder.log")));
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
