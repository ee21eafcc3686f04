package org.stargzstore.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fuse.kernel.InProcessKeeper;
import org.stargzstore.fs.fuse.kernel.KernelSession;
import org.stargzstore.fs.fuse.kernel.Opcode;
import org.stargzstore.fs.fuse.kernel.SessionState;
import org.stargzstore.fs.fuse.kernel.Takeover;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;

/**
 * A second session takes a live kernel-backend connection over from the first, on the same
 * descriptor (kept by an in-test {@link InProcessKeeper}), with no new mount: a reader of the mount
 * sees no error and no wrong byte, only a pause; node ids, an open file and an open directory of
 * the first session keep working in the second.
 */
@IntegrationTest
class KernelTakeoverTest {
  private static final Logger LOG = Logger.getLogger(KernelTakeoverTest.class.getName());
  static final MountOptions OPTIONS = new MountOptions(false, Duration.ofSeconds(60),
      false, MountOptions.Backend.KERNEL);

  @TempDir Path tmp;
  private final InProcessKeeper keeper = new InProcessKeeper();

  private final List<FuseMount> sessions = new ArrayList<>();

  /**
   * Hands every session over (idempotent), then closes the keeper's copy: the connection has no
   * descriptor left and ends, so nothing waits on it; then the mount is cleared.
   */
  @AfterEach
  void cleanUp() throws IOException {
    sessions.forEach(FuseMount::close);
    keeper.close();
    Path mp = tmp.resolve("mnt");
    if (FuseMount.isMounted(mp)) {
      FuseMount.unmount(mp);
    }
  }

  private Takeover takeover() {
    return new Takeover(keeper, SessionState.in(tmp.resolve("state")));
  }

  private static String sh(String script) throws IOException {
    return ExternalTools.run(List.of("sh", "-c", script), 120).requireSuccess().output();
  }

  @Test
  @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aSecondSessionServesTheConnectionAfterACleanStop() throws Exception {
    Path mp = tmp.resolve("mnt");
    FuseMount a = FuseMount.mount(TakeoverTree.build(null), mp, OPTIONS, takeover());
    sessions.add(a);
    String device = sh("stat -c %d " + mp);
    String listing = sh("ls -li " + mp.resolve("d") + " " + mp.resolve("hot"));
    byte[] big = TakeoverTree.big();
    ByteBuffer bigRead = ByteBuffer.allocate(big.length);
    FuseMount b;
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(mp.resolve("d"));
        FileChannel open = FileChannel.open(mp.resolve("big"));
        ReaderLoop reader = ReaderLoop.start(mp)) {
      bigRead.limit(1 << 20);
      while (bigRead.hasRemaining()) {
        open.read(bigRead);
      }
      Iterator<Path> entries = dir.iterator();
      int listed = 0;
      for (; listed < 10; listed++) {
        entries.next();
      }
      reader.awaitMoreReads(3 * TakeoverTree.HOT);

      MemoryNodes.Dir second = TakeoverTree.build(null); // the new process's tree, read before
      long t0 = System.nanoTime();
      a.close(); // SIGTERM with takeover: hand over, do not unmount
      long handedOver = System.nanoTime();
      assertTrue(FuseMount.isMounted(mp), "the hand-over unmounted");
      b = FuseMount.mount(second, mp, OPTIONS, takeover());
      sessions.add(b);
      long resumed = System.nanoTime();
      KernelSession s = b.kernelSession().orElseThrow();
      reader.awaitMoreReads(3 * TakeoverTree.HOT);
      LOG.info("takeover: hand-over " + (handedOver - t0) / 1_000_000 + " ms, resume "
          + (resumed - handedOver) / 1_000_000 + " ms, longest gap between two reads "
          + reader.maxGapMillis() + " ms");
      System.out.println("TAKEOVER-PAUSE hand-over " + (handedOver - t0) / 1_000_000
          + " ms, resume " + (resumed - handedOver) / 1_000_000 + " ms, longest read gap "
          + reader.maxGapMillis() + " ms");

      assertEquals(0, s.stats().requests(Opcode.INIT), "the second session got an INIT");
      assertTrue(s.stats().requests(Opcode.READ) > 0, "no READ reached the second session");
      assertEquals(device, sh("stat -c %d " + mp), "the mount changed");
      // the open file keeps reading (READs on a handle of the first session)
      bigRead.limit(big.length);
      while (bigRead.hasRemaining()) {
        if (open.read(bigRead) < 0) {
          break;
        }
      }
      assertArrayEquals(big, bigRead.array(), "bytes of the file kept open across the switch");
      // the directory opened before the switch lists the rest (READDIRPLUS on its old handle)
      while (entries.hasNext()) {
        entries.next();
        listed++;
      }
      assertEquals(TakeoverTree.LISTED, listed);
      // names and attributes the kernel had, under the ids of the first session
      assertEquals(listing, sh("ls -li " + mp.resolve("d") + " " + mp.resolve("hot")));
      assertEquals("entry 1999\n", Files.readString(mp.resolve("d/e1999")));
      reader.close();
      assertEquals(List.of(), reader.errors(), "errors the reader saw");
    }
  }

  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aKeptDescriptorThatIsNoLiveConnectionIsClosedAndTheMountMadeAfresh() throws Exception {
    Path mp = tmp.resolve("mnt");
    Files.createDirectories(mp);
    // /dev/fuse opened and never mounted: its poll answers POLLERR, as an aborted one's does
    org.stargzstore.fs.fuse.kernel.LibC libc = org.stargzstore.fs.fuse.kernel.LibC.get();
    int dead = libc.open("/dev/fuse", org.stargzstore.fs.fuse.kernel.LibC.O_RDWR);
    assertTrue(dead >= 0);
    keeper.keepOwned(mp, dead);
    FuseMount m = FuseMount.mount(TakeoverTree.build(null), mp, OPTIONS, takeover());
    sessions.add(m);
    KernelSession s = m.kernelSession().orElseThrow();
    assertEquals("entry 7\n", Files.readString(mp.resolve("d/e0007")));
    assertEquals(1, s.stats().requests(Opcode.INIT), "not a fresh mount");
  }

  /** {@code pidfd_open(2)} and {@code pidfd_getfd(2)} (x86_64 numbers), through libc's syscall. */
  public interface Syscalls {
    long syscall(long number, long a, long b, long c);
  }

  private static int takeDescriptor(long pid, int fd) throws IOException {
    Syscalls sys = jnr.ffi.LibraryLoader.create(Syscalls.class).load("c");
    int pidfd = (int) sys.syscall(434, pid, 0, 0);
    if (pidfd < 0) {
      throw new IOException("pidfd_open(" + pid + ") failed");
    }
    int mine = (int) sys.syscall(438, pidfd, fd, 0);
    org.stargzstore.fs.fuse.kernel.LibC.get().close(pidfd);
    if (mine < 0) {
      throw new IOException("pidfd_getfd(" + pid + ", " + fd + ") failed");
    }
    return mine;
  }

  @Test
  @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aSecondSessionServesTheConnectionAfterKillDashNine() throws Exception {
    Path mp = tmp.resolve("mnt");
    Files.createDirectories(mp);
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
        TakeoverChild.class.getName(), mp.toString(), tmp.resolve("state").toString())
        .redirectError(tmp.resolve("child.log").toFile()).start();
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream()));
      String line = out.readLine();
      assertTrue(line != null && line.startsWith("FD "), "child said " + line + "; log: "
          + Files.readString(tmp.resolve("child.log")));
      // the test is the keeper: its own copy of the child's descriptor (the same open file)
      keeper.keepOwned(mp, takeDescriptor(child.pid(), Integer.parseInt(line.substring(3))));
      String listing = sh("ls -li " + mp.resolve("hot"));
      byte[] slow = TakeoverTree.slow();
      CompletableFuture<byte[]> slowRead =
          CompletableFuture.supplyAsync(() -> {
            try {
              return Files.readAllBytes(mp.resolve("slow"));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
      try (ReaderLoop reader = ReaderLoop.start(mp)) {
        reader.awaitMoreReads(3 * TakeoverTree.HOT);
        Thread.sleep(300); // the child has taken the READ of slow and will never answer it
        assertTrue(!slowRead.isDone(), "the read of slow finished in the child");
        MemoryNodes.Dir second = TakeoverTree.build(null);
        long t0 = System.nanoTime();
        child.destroyForcibly(); // SIGKILL
        child.waitFor();
        long killed = System.nanoTime();
        FuseMount b = FuseMount.mount(second, mp, OPTIONS, takeover());
        sessions.add(b);
        long resumed = System.nanoTime();
        // the READ the dead process had taken is sent again (FUSE_NOTIFY_RESEND) and answered
        assertArrayEquals(slow, slowRead.get(60, TimeUnit.SECONDS));
        reader.awaitMoreReads(3 * TakeoverTree.HOT);
        System.out.println("TAKEOVER-PAUSE after kill -9: kill " + (killed - t0) / 1_000_000
            + " ms, resume " + (resumed - killed) / 1_000_000 + " ms, longest read gap "
            + reader.maxGapMillis() + " ms");
        KernelSession s = b.kernelSession().orElseThrow();
        assertEquals(0, s.stats().requests(Opcode.INIT), "the second session got an INIT");
        assertEquals(listing, sh("ls -li " + mp.resolve("hot")));
        reader.close();
        assertEquals(List.of(), reader.errors(), "errors the reader saw");
      }
    } finally {
      child.destroyForcibly();
    }
  }
}
