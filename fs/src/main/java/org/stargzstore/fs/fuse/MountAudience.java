package org.stargzstore.fs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who can read the files a mount serves, said once at start-up: the mount shows every image the
 * daemon was asked about, including images pulled with registry credentials, so an operator must
 * see what {@code [fuse] allow_other} means on this node. With it off, only processes of the
 * daemon's uid and gid; with it on, every user who may enter the directories above the mount.
 *
 * @param mountPoint where the tree is mounted
 * @param allowOther whether the mount was made with {@code allow_other}
 * @param uid the daemon's (the mounter's) uid
 * @param gid the daemon's gid
 * @param closedAncestor the nearest directory above the mount that neither group nor others may
 *     enter, or null if every user reaches the mount point
 */
public record MountAudience(Path mountPoint, boolean allowOther, int uid, int gid,
    Path closedAncestor) {

  /** What applies to {@code mountPoint} for this process. */
  public static MountAudience of(Path mountPoint, boolean allowOther) throws IOException {
    Path self = Path.of("/proc/self");
    int uid = (Integer) Files.getAttribute(self, "unix:uid");
    int gid = (Integer) Files.getAttribute(self, "unix:gid");
    Path closed = null;
    for (Path p = mountPoint.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      int mode = (Integer) Files.getAttribute(p, "unix:mode");
      if ((mode & 0011) == 0) {
        closed = p;
        break;
      }
    }
    return new MountAudience(mountPoint, allowOther, uid, gid, closed);
  }

  /** True if any user of the node can read the images through the mount. */
  public boolean everyUser() {
    return allowOther && closedAncestor == null;
  }

  /** One line for the log. */
  public String describe() {
    if (!allowOther) {
      return "the mount at " + mountPoint + " is usable only by processes running as uid " + uid
          + " and gid " + gid + ", this daemon's ([fuse] allow_other = false); other users get "
          + "EACCES";
    }
    if (closedAncestor != null) {
      return "the mount at " + mountPoint + " is open to every user ([fuse] allow_other = true), "
          + "but only those who may enter " + closedAncestor + " (no access for group and "
          + "others) reach it";
    }
    return "every user of this node can read the files of every image served at " + mountPoint
        + ", including images pulled with registry credentials ([fuse] allow_other = true and "
        + "every directory above it may be entered by others); set allow_other = false unless "
        + "podman or CRI-O run as another user than this daemon, or mount under a directory "
        + "only they may enter";
  }
}
