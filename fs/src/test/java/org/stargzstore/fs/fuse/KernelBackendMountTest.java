package org.stargzstore.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fuse.kernel.KernelSession;
import org.stargzstore.fs.fuse.kernel.Opcode;
import org.stargzstore.fs.fuse.kernel.SessionStats;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;

/**
 * What only the kernel backend does, seen through the requests that reach it (its session
 * stats): listings come with attributes (READDIRPLUS, no LOOKUP per entry), sequential reads
 * arrive as 1 MiB READs, an immutable file opened again is served from the page cache, a close
 * costs no FLUSH after the first, and the workers stop once the file system is unmounted.
 */
@IntegrationTest
class KernelBackendMountTest {
  private static final int ENTRIES = 10_000;
  private static final int MIB = 1 << 20;

  @TempDir Path tmp;

  private FuseMount mount(FsNode root) throws IOException {
    return FuseMount.mount(root, tmp.resolve("mnt"),
        MountOptions.defaults().withBackend(MountOptions.Backend.KERNEL));
  }

  private static SessionStats stats(FuseMount m) {
    return m.kernelSession().orElseThrow().stats();
  }

  private static String sh(String script) throws IOException {
    return ExternalTools.run(List.of("sh", "-c", script), 120).requireSuccess().output();
  }

  @Test
  void aLongListingGetsAttributesWithTheNamesNotALookupPerEntry() throws IOException {
    MemoryNodes.Dir big = new MemoryNodes.Dir(2);
    for (int i = 0; i < ENTRIES; i++) {
      big.add("f" + i, new MemoryNodes.File(10 + i, i % 100, 0644, 1, x -> 'a'));
    }
    try (FuseMount m = mount(new MemoryNodes.Dir(1).add("big", big))) {
      Path dir = m.mountPoint().resolve("big");
      String ls = sh("ls -l " + dir + " | wc -l");
      assertEquals(ENTRIES + 1, Integer.parseInt(ls.trim()), ls); // + the "total" line
      SessionStats s = stats(m);
      assertTrue(s.requests(Opcode.READDIRPLUS) > 0, "no READDIRPLUS reached the daemon");
      // the one LOOKUP of "big" itself, and not one per entry
      assertTrue(s.requests(Opcode.LOOKUP) < 100,
          "LOOKUPs: " + s.requests(Opcode.LOOKUP) + " for " + ENTRIES + " entries");
      String found = sh("find " + dir + " -type f | wc -l");
      assertEquals(ENTRIES, Integer.parseInt(found.trim()));
    }
  }

  @Test
  void sequentialReadsArriveAsOneMebibyteReads() throws IOException {
    byte[] data = new byte[4 * MIB];
    new Random(7).nextBytes(data);
    try (FuseMount m = mount(new MemoryNodes.Dir(1).add("four", new MemoryNodes.Bytes(2, data)))) {
      String sum = sh("dd if=" + m.mountPoint().resolve("four") + " bs=4M 2>/dev/null | sha256sum");
      assertEquals(sha256(data), sum.split(" ")[0]);
      SessionStats s = stats(m);
      assertEquals(MIB, s.largestRead(), "largest READ");
      // 4 MiB in 1 MiB READs (a first smaller one while readahead ramps up is allowed)
      assertTrue(s.requests(Opcode.READ) <= 6, "READs for 4 MiB: " + s.requests(Opcode.READ));
    }
  }

  @Test
  void aSecondOpenOfAnImmutableFileIsServedFromThePageCache() throws IOException {
    byte[] data = new byte[3 * MIB + 17];
    new Random(8).nextBytes(data);
    MemoryNodes.Dir root = new MemoryNodes.Dir(1)
        .add("layer-file", new MemoryNodes.Bytes(2, data))
        .add("info", new MemoryNodes.Bytes(3, data, false));
    try (FuseMount m = mount(root)) {
      SessionStats s = stats(m);
      String want = sha256(data);
      Path layerFile = m.mountPoint().resolve("layer-file");
      assertEquals(want, sh("sha256sum < " + layerFile).split(" ")[0]);
      long reads = s.requests(Opcode.READ);
      assertTrue(reads > 0);
      assertEquals(want, sh("sha256sum < " + layerFile).split(" ")[0]);
      assertEquals(reads, s.requests(Opcode.READ), "READs reached the daemon on the second open");
      assertEquals(2, s.requests(Opcode.OPEN), "OPENs");

      // a file whose content may change is read afresh at each open
      Path info = m.mountPoint().resolve("info");
      assertEquals(want, sh("sha256sum < " + info).split(" ")[0]);
      long infoReads = s.requests(Opcode.READ);
      assertEquals(want, sh("sha256sum < " + info).split(" ")[0]);
      assertTrue(s.requests(Opcode.READ) > infoReads, "the mutable file was not read again");
    }
  }

  @Test
  void onlyTheFirstCloseSendsAFlush() throws IOException {
    MemoryNodes.Dir root = new MemoryNodes.Dir(1)
        .add("small", new MemoryNodes.Bytes(2, new byte[] {1, 2, 3}));
    try (FuseMount m = mount(root)) {
      SessionStats s = stats(m);
      Path small = m.mountPoint().resolve("small");
      for (int i = 0; i < 20; i++) {
        assertEquals(3, Files.readAllBytes(small).length);
      }
      assertEquals(20, s.requests(Opcode.OPEN), "OPENs");
      // the first FLUSH is answered ENOSYS, and the kernel sends no more on this connection
      assertEquals(1, s.requests(Opcode.FLUSH), "FLUSHes for 20 closes");
    }
  }

  @Test
  void unmountingStopsTheWorkers() throws Exception {
    FuseMount m = mount(new MemoryNodes.Dir(1).add("f", new MemoryNodes.File(2, 3, 0644, 1,
        i -> 'z')));
    KernelSession session = m.kernelSession().orElseThrow();
    assertEquals("zzz", sh("cat " + m.mountPoint().resolve("f")));
    assertTrue(session.liveWorkers() > 0);
    m.close();
    assertFalse(FuseMount.isMounted(m.mountPoint()));
    assertTrue(session.awaitStopped(Duration.ofSeconds(10)), "workers left: "
        + session.liveWorkers());
    assertEquals(0, session.liveWorkers());
  }

  private static String sha256(byte[] data) {
    try {
      return java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
