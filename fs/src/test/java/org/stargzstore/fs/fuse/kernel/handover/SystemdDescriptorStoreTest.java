package org.stargzstore.fs.fuse.kernel.handover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's side of {@code FDSTORE=1} played by a real datagram socket bound as {@code
 * NOTIFY_SOCKET} (systemd does not run here): the message and the descriptor arrive as
 * sd_pid_notify_with_fds(3) sends them.
 */
class SystemdDescriptorStoreTest {
  private final SocketCalls calls = SocketCalls.get();
  private final long pid = ProcessHandle.current().pid();
  @TempDir Path tmp;

  @Test
  void keepSendsFdstoreWithTheNameAndTheDescriptorToAPathSocket() throws IOException {
    keepsTo(tmp.resolve("notify").toString());
  }

  @Test
  void keepSendsToAnAbstractNotifySocket() throws IOException {
    keepsTo("@srs-fdstore-test-" + pid + "-" + System.nanoTime());
  }

  private void keepsTo(String notifySocket) throws IOException {
    Path mp = Path.of("/var/lib/stargz-registry-storage/store");
    int systemd = bindDatagram(notifySocket);
    int[] pipe = Pipes.open(calls);
    try {
      new SystemdDescriptorStore(calls, Map.of("NOTIFY_SOCKET", notifySocket), pid)
          .keep(mp, pipe[1]);
      FdMessage m = new FdPassing(calls).receive(systemd, 4096, "test").orElseThrow();
      assertEquals("FDSTORE=1\nFDNAME=" + DescriptorNames.forMountPoint(mp), m.text());
      int stored = m.fd().orElseThrow();
      Pipes.write(calls, stored, "stored");
      assertEquals("stored", Pipes.read(calls, pipe[0], 100));
      calls.close(stored);
    } finally {
      calls.close(systemd);
      calls.close(pipe[0]);
      calls.close(pipe[1]);
    }
  }

  @Test
  void namesAreValidFdnamesAndTheSameForTheSamePath() {
    String n = DescriptorNames.forMountPoint(Path.of("/a/b/../b/store"));
    assertEquals(n, DescriptorNames.forMountPoint(Path.of("/a/b/store")));
    assertTrue(n.matches("fuse-[0-9a-f]{16}"), n);
    assertTrue(!n.equals(DescriptorNames.forMountPoint(Path.of("/a/b/other"))));
  }

  @Test
  void reclaimIgnoresDescriptorsPassedToAnotherPid() throws IOException {
    Path mp = Path.of("/mnt/x");
    Map<String, String> env = Map.of("LISTEN_PID", Long.toString(pid + 1), "LISTEN_FDS", "1",
        "LISTEN_FDNAMES", DescriptorNames.forMountPoint(mp));
    assertEquals(OptionalInt.empty(), new SystemdDescriptorStore(calls, env, pid).reclaim(mp));
  }

  @Test
  void reclaimWithoutListenFdsFindsNothing() throws IOException {
    assertEquals(OptionalInt.empty(),
        new SystemdDescriptorStore(calls, Map.of(), pid).reclaim(Path.of("/mnt/x")));
  }

  @Test
  void keepWithoutNotifySocketSaysWhy() {
    IOException e = assertThrows(IOException.class,
        () -> new SystemdDescriptorStore(calls, Map.of(), pid).keep(Path.of("/mnt/x"), 0));
    assertTrue(e.getMessage().contains("NOTIFY_SOCKET") && e.getMessage().contains("/mnt/x"),
        e.getMessage());
  }

  private int bindDatagram(String address) throws IOException {
    int fd = calls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_DGRAM | SocketCalls.SOCK_CLOEXEC,
        0);
    byte[] addr = UnixAddress.of(address);
    if (fd < 0 || calls.bind(fd, addr, addr.length) != 0) {
      throw new IOException(calls.describeError("bind " + address));
    }
    return fd;
  }
}
