package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.stargzstore.fs.fuse.MountEntry;
import org.stargzstore.fs.fuse.MountOptions;

/**
 * Mounts a FUSE connection with {@code mount(2)}, as libfuse's {@code fuse_mount_sys} does: type
 * {@code fuse.stargz}, source {@code stargz-registry-storage} (so the mount table shows what the
 * libfuse backend's mounts show, and stale-mount detection works for both), and the kernel
 * options {@code fd=N,rootmode=40000,user_id=U,group_id=G}. Needs root (CAP_SYS_ADMIN); mounting
 * through {@code fusermount3} for other users is not built yet (docs/fuse.md).
 */
final class KernelMounter {
  private KernelMounter() {}

  /** The kernel mount options (the {@code data} argument of {@code mount(2)}). */
  static String data(int fd, int uid, int gid, MountOptions options) {
    List<String> o = new ArrayList<>(List.of("fd=" + fd, "rootmode=40000", "user_id=" + uid,
        "group_id=" + gid, "default_permissions"));
    if (options.allowOther()) {
      o.add("allow_other");
    }
    return String.join(",", o);
  }

  static void mount(LibC libc, DevFuse dev, Path mountPoint, MountOptions options)
      throws IOException {
    int uid = libc.geteuid();
    if (uid != 0) {
      throw new IOException("the kernel FUSE backend mounts with mount(2) and needs root (running "
          + "as uid " + uid + "); unprivileged mounting through fusermount3 is not supported by "
          + "it yet: set [fuse] backend = \"libfuse\" or run the daemon as root");
    }
    String data = data(dev.fd(), uid, libc.getegid(), options);
    // flags 0: suid and dev stay allowed (setuid binaries and device nodes in images must work)
    int rc = libc.mount(MountEntry.FSNAME, mountPoint.toString(),
        "fuse." + MountEntry.SUBTYPE, 0L, data);
    if (rc != 0) {
      int errno = libc.errno();
      throw new IOException("mount(2) of FUSE at " + mountPoint + " failed: errno " + errno
          + " (options " + data + ")");
    }
  }
}
