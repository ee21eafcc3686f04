package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.stargzstore.fs.fuse.MountEntry;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.fs.fuse.kernel.handover.SocketCalls;

/**
 * Mounts a FUSE connection with {@code mount(2)}, as libfuse's {@code fuse_mount_sys} does: type
 * {@code fuse.stargz}, source {@code stargz-registry-storage} (so the mount table shows what the
 * libfuse backend's mounts show, and stale-mount detection works for both), and the kernel
 * options {@code fd=N,rootmode=40000,user_id=U,group_id=G}. {@code mount(2)} needs root
 * (CAP_SYS_ADMIN); for any other user {@link #openAndMount} goes through {@link Fusermount}, as
 * libfuse does (docs/fuse.md).
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

  /**
   * Opens a new FUSE connection and mounts it at {@code mountPoint}: with {@code mount(2)} as
   * root, through {@code fusermount3} otherwise. Returns the {@code /dev/fuse} descriptor, which
   * the caller owns.
   */
  static int openAndMount(LibC libc, Path mountPoint, MountOptions options) throws IOException {
    if (libc.geteuid() != 0) {
      return Fusermount.mount(SocketCalls.get(), mountPoint, options);
    }
    DevFuse dev = DevFuse.open(libc);
    try {
      mount(libc, dev, mountPoint, options);
    } catch (IOException | RuntimeException e) {
      dev.close();
      throw e;
    }
    return dev.fd();
  }

  static void mount(LibC libc, DevFuse dev, Path mountPoint, MountOptions options)
      throws IOException {
    int uid = libc.geteuid();
    if (uid != 0) {
      throw new IOException("mount(2) needs root (running as uid " + uid + "): mount through "
          + Fusermount.COMMAND + " (KernelMounter.openAndMount) instead");
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
