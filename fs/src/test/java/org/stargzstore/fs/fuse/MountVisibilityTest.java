package org.stargzstore.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.OtherUser;

/**
 * Who can read through the real kernel mount: by default only the mounter's uid and gid (root
 * here, like podman and CRI-O), so {@code nobody} cannot read a world-readable file of an image;
 * with {@code allow_other} it can, which is why that is a choice the operator makes (and the
 * start-up log says so).
 */
@IntegrationTest
@ParameterizedClass
@EnumSource(MountOptions.Backend.class)
class MountVisibilityTest {
  @TempDir Path tmp;
  @Parameter MountOptions.Backend backend;

  private static MemoryNodes.Dir tree() {
    MemoryNodes.Dir etc = new MemoryNodes.Dir(2)
        .add("secret.conf", new MemoryNodes.File(3, 6, 0644, 1, i -> 's'));
    etc.xattrs.put("trusted.overlay.opaque", new byte[] {'y'});
    etc.xattrs.put("user.overlay.opaque", new byte[] {'y'});
    return new MemoryNodes.Dir(1).add("etc", etc);
  }

  @Test
  void byDefaultOnlyTheMountersUserReadsTheMount() throws IOException {
    OtherUser.openToEveryone(tmp);
    Path mnt = tmp.resolve("mnt");
    try (FuseMount m = FuseMount.mount(tree(), mnt, MountOptions.defaults().withBackend(backend))) {
      assertEquals("ssssss", Files.readString(mnt.resolve("etc/secret.conf")));
      ExternalTools.Result file = OtherUser.read(mnt.resolve("etc/secret.conf"));
      assertNotEquals(0, file.exitCode(), "nobody read through the mount: " + file.output());
      assertTrue(file.output().contains("Permission denied"), file.output());
      ExternalTools.Result list = OtherUser.run("ls", mnt.toString());
      assertNotEquals(0, list.exitCode(), "nobody listed the mount: " + list.output());
      // root is not exempt: the kernel wants the mounter's uid and gid, capabilities or not
      ExternalTools.Result rootOtherGroup = ExternalTools.run(List.of("setpriv",
          "--regid=" + OtherUser.NOBODY, "--clear-groups", "--", "cat",
          mnt.resolve("etc/secret.conf").toString()), 60);
      assertNotEquals(0, rootOtherGroup.exitCode(), rootOtherGroup.output());
      assertTrue(rootOtherGroup.output().contains("Permission denied"), rootOtherGroup.output());

      MountAudience audience = MountAudience.of(mnt, false);
      assertFalse(audience.everyUser());
      assertEquals(0, audience.uid());
      assertTrue(audience.describe().contains("only by processes running as uid 0 and gid 0"),
          audience.describe());
    }
  }

  @Test
  void withAllowOtherEveryUserWhoReachesTheMountReadsIt() throws IOException {
    OtherUser.openToEveryone(tmp);
    Path mnt = tmp.resolve("mnt");
    MountOptions open = new MountOptions(true, Duration.ofSeconds(60), false, backend);
    try (FuseMount m = FuseMount.mount(tree(), mnt, open)) {
      ExternalTools.Result file = OtherUser.read(mnt.resolve("etc/secret.conf"));
      assertEquals(0, file.exitCode(), file.output());
      assertEquals("ssssss", file.output());
      // rootless overlay reads the user.overlay opaque marker as the user
      ExternalTools.Result xattrs = OtherUser.run("getfattr", "-d", "-m", "-",
          "--absolute-names", mnt.resolve("etc").toString());
      assertEquals(0, xattrs.exitCode(), xattrs.output());
      assertTrue(xattrs.output().contains("user.overlay.opaque=\"y\""), xattrs.output());
      assertFalse(xattrs.output().contains("trusted."), xattrs.output());
      MountAudience audience = MountAudience.of(mnt, true);
      assertTrue(audience.everyUser(), audience.toString());
      assertTrue(audience.describe().startsWith("every user of this node can read"));

      // a parent only root may enter keeps other users out, allow_other or not
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
      assertNotEquals(0, OtherUser.read(mnt.resolve("etc/secret.conf")).exitCode());
      MountAudience closed = MountAudience.of(mnt, true);
      assertFalse(closed.everyUser());
      assertEquals(tmp, closed.closedAncestor());
    }
  }

  @Test
  void aMountUnderOpenDirectoriesHasNoClosedAncestor() throws IOException {
    OtherUser.openToEveryone(tmp);
    // /tmp is 1777 and / is 0755: nothing above tmp closes it; tmp itself is now open too
    Path mnt = tmp.resolve("mnt");
    Files.createDirectories(mnt);
    assertNull(MountAudience.of(mnt, true).closedAncestor());
  }
}
