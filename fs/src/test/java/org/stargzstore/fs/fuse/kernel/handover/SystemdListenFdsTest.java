package org.stargzstore.fs.fuse.kernel.handover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.stargzstore.testkit.IntegrationTest;

/**
 * The start side of systemd's descriptor store: a real child JVM started with a descriptor at
 * 3 and {@code LISTEN_FDS}/{@code LISTEN_FDNAMES}/{@code LISTEN_PID} as sd_listen_fds(3)
 * documents them (python3 plays systemd: it fills a pipe, puts its read end at 3, sets the
 * variables with its own pid, and execs the JVM, which keeps that pid).
 */
@IntegrationTest
class SystemdListenFdsTest {
  private static final String LAUNCHER = String.join("\n",
      "import os, sys",
      "r, w = os.pipe()",
      "os.write(w, b'kept by the last daemon'); os.close(w)",
      "other_r, other_w = os.pipe()",
      "os.dup2(other_r, 30); os.dup2(r, 31); os.dup2(30, 3); os.dup2(31, 4)",
      "os.environ['LISTEN_FDS'] = '2'",
      "os.environ['LISTEN_FDNAMES'] = 'something-else:' + sys.argv[1]",
      "os.environ['LISTEN_PID'] = str(os.getpid())",
      "os.execv(sys.argv[2], sys.argv[2:])");

  @Test
  void reclaimTakesTheNamedDescriptorOnceFromListenFds() throws Exception {
    Path mp = Path.of("/var/lib/stargz-registry-storage/store");
    String out = run(List.of("python3", "-c", LAUNCHER, DescriptorNames.forMountPoint(mp),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ListenFdsChild.class.getName(),
        mp.toString()));
    assertTrue(out.contains("fd 4 read: kept by the last daemon"), out);
    assertTrue(out.contains("again: OptionalInt.empty"), out);
  }

  @Test
  void aDescriptorForAnotherMountPointIsNotTaken() throws Exception {
    String out = run(List.of("python3", "-c", LAUNCHER,
        DescriptorNames.forMountPoint(Path.of("/elsewhere")),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ListenFdsChild.class.getName(), "/mnt/x"));
    assertEquals("NONE", out.strip(), out);
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
