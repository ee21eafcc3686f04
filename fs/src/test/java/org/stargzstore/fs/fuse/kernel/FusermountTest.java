package org.stargzstore.fs.fuse.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.OtherUser;

/**
 * The kernel backend mounts as a user without CAP_SYS_ADMIN through the real setuid
 * fusermount3, receiving the /dev/fuse descriptor over {@code _FUSE_COMMFD}. fusermount3 opens
 * /dev/fuse with the caller's file system uid, so it needs the node 0666 as distributions ship
 * it; this machine's is 0600, so the child runs in a mount namespace of its own where a 0666
 * node of the same device is bound over /dev/fuse (nothing outside the test changes).
 */
@IntegrationTest
class FusermountTest {
  @TempDir Path tmp;

  @Test
  void nobodyMountsThroughFusermount3AndGetsTheConnection() throws Exception {
    String out = runAsNobody();
    assertTrue(out.contains("OPCODE 26"), out); // FUSE_INIT: the descriptor is the connection
  }

  @Test
  void aKernelSessionStartedByNobodyMountsThroughFusermount3AndServes() throws Exception {
    String out = runAsNobody("session");
    assertTrue(out.contains("READ served to nobody"), out);
    assertTrue(out.contains("STOPPED true"), out);
  }

  /** Runs {@link UnprivilegedMountChild} as nobody; its output, checked for what both share. */
  private String runAsNobody(String... mode) throws Exception {
    OtherUser.openToEveryone(tmp);
    Path mp = Files.createDirectories(tmp.resolve("mnt"));
    Files.setOwner(mp, mp.getFileSystem().getUserPrincipalLookupService()
        .lookupPrincipalByName("nobody"));
    Path node = tmp.resolve("fuse");
    ExternalTools.run(List.of("mknod", "-m", "0666", node.toString(), "c", "10", "229"), 10)
        .requireSuccess();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ExternalTools.Result r = ExternalTools.run(List.of("unshare", "--mount", "--propagation",
        "private", "sh", "-c", "mount --bind \"$0\" /dev/fuse && exec setpriv --reuid="
            + OtherUser.NOBODY + " --regid=" + OtherUser.NOBODY + " --clear-groups -- \"$@\"",
        node.toString(), java, "-cp", readableClassPath(),
        UnprivilegedMountChild.class.getName(), mp.toString(), String.join(" ", mode)), 120);
    String out = r.output();
    assertTrue(out.contains("EUID " + OtherUser.NOBODY), out);
    assertTrue(out.contains("MOUNTED ") && out.contains("fuse.stargz")
        && out.contains("stargz-registry-storage"), out);
    assertTrue(out.contains("UNMOUNT 0") && out.contains("AFTER none"), out);
    assertEquals(0, r.exitCode(), out);
    return out;
  }

  /** The test class path copied where nobody can read it (/root is 0700). */
  private String readableClassPath() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("cp"));
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path src = Path.of(e);
      if (!Files.exists(src)) {
        continue;
      }
      Path dst = dir.resolve(i++ + "-" + src.getFileName());
      if (Files.isDirectory(src)) {
        ExternalTools.run(List.of("cp", "-r", src.toString(), dst.toString()), 60);
      } else {
        Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
      }
      entries.add(dst.toString());
    }
    ExternalTools.run(List.of("chmod", "-R", "a+rX", dir.toString()), 60);
    return String.join(File.pathSeparator, entries);
  }
}
