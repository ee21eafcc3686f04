package org.stargzstore.daemon.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stargzstore.testkit.Shared;

/**
 * The shipped unit: readiness through {@code Type=notify}, a stale mount cleared after every
 * stop, and none of the options that would hide the daemon's mount in a namespace of its own.
 */
class SystemdUnitTest {
  private static final List<String> PRIVATE_MOUNT_OPTIONS = List.of("PrivateTmp",
      "PrivateMounts", "ProtectSystem", "ProtectHome", "ReadOnlyPaths", "ReadWritePaths",
      "InaccessiblePaths", "TemporaryFileSystem", "BindPaths", "BindReadOnlyPaths", "MountFlags",
      "PrivateDevices", "ProtectKernelTunables", "ProtectControlGroups", "RootDirectory");

  private static List<String> settings(String key) throws IOException {
    Path unit = Shared.projectRoot().resolve("systemd/stargz-registry-storage.service");
    List<String> values = new ArrayList<>();
    for (String line : Files.readAllLines(unit)) {
      if (line.startsWith(key + "=")) {
        values.add(line.substring(key.length() + 1));
      }
    }
    return values;
  }

  @Test
  void isReadyOnlyWhenTheDaemonSaysSo() throws IOException {
    assertEquals(List.of("notify"), settings("Type"));
    assertEquals(List.of("main"), settings("NotifyAccess"));
    assertEquals(1, settings("TimeoutStartSec").size());
    assertTrue(Integer.parseInt(settings("TimeoutStartSec").get(0)) >= 60);
    assertEquals(List.of(), settings("SuccessExitStatus"), "SIGTERM exits 0 by itself");
  }

  @Test
  void clearsOnlyAStaleMountOfItsOwnMountPointAfterStop() throws IOException {
    String start = settings("ExecStart").get(0);
    String mountPoint = start.substring(start.lastIndexOf(' ') + 1);
    String root = start.replaceAll(".* --root (\\S+) .*", "$1");
    assertEquals(List.of("/usr/local/bin/stargz-registry-storage --root " + root
        + " unmount-stale --unit stargz-registry-storage.service " + mountPoint),
        settings("ExecStopPost"), "the same store (its FUSE session state) and mount point");
  }

  @Test
  void keepsTheFuseDescriptorAcrossRestarts() throws IOException {
    assertEquals(1, settings("FileDescriptorStoreMax").size(), "FDSTORE=1 is refused without it");
    assertTrue(Integer.parseInt(settings("FileDescriptorStoreMax").get(0)) >= 1);
    assertEquals(List.of("on-failure"), settings("Restart"), "a crash restarts, keeping the store");
  }

    @Test
  void keepsTheMountVisibleToPodmanAndCrio() throws IOException {
    for (String option : PRIVATE_MOUNT_OPTIONS) {
      assertTrue(settings(option).isEmpty(), option + " would hide the FUSE mount");
    }
  }
}
