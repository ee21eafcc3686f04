package org.stargzstore.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fuse.kernel.KernelSession;
import org.stargzstore.fs.fuse.kernel.Opcode;
import org.stargzstore.fs.fuse.kernel.SessionState;
import org.stargzstore.fs.fuse.kernel.Takeover;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;

/**
 * A second session takes a live kernel-backend connection over from the first, on the same
 * descriptor (kept by an in-test {@link InTestKeeper}), with no new mount: a reader of the mount
 * sees no error and no wrong byte, only a pause; node ids, an open file and an open directory of
 * the first session keep working in the second.
 */
@IntegrationTest
class KernelTakeoverTest {
  private static final Logger LOG = Logger.getLogger(KernelTakeoverTest.class.getName());
  private static final MountOptions OPTIONS = new MountOptions(false, Duration.ofSeconds(60),
      false, MountOptions.Backend.KERNEL);

  @TempDir Path tmp;
  private final InTestKeeper keeper = new InTestKeeper();

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
}
