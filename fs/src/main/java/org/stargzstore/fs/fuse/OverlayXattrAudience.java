package org.stargzstore.fs.fuse;

import java.util.List;

/**
 * Which of the two overlay xattrs that mark an opaque directory a caller sees. Rootful overlay
 * (podman as root) reads {@code trusted.overlay.opaque} with root's credentials and hides it from
 * the merged view; rootless overlay ({@code userxattr}) reads {@code user.overlay.opaque} as the
 * user. Showing root the {@code user.} one too made it leak into containers as an ordinary xattr
 * that a full pull does not have; a non-root caller cannot read {@code trusted.} names at all.
 */
public final class OverlayXattrAudience {
  static final String TRUSTED_OPAQUE = "trusted.overlay.opaque";
  static final String USER_OPAQUE = "user.overlay.opaque";

  private OverlayXattrAudience() {}

  /** True if a caller running as {@code uid} should see the xattr {@code name}. */
  public static boolean visible(String name, long uid) {
    if (name.equals(USER_OPAQUE)) {
      return uid != 0;
    }
    if (name.equals(TRUSTED_OPAQUE)) {
      return uid == 0;
    }
    return true;
  }

  /**
   * The value of {@code node}'s xattr {@code name} as a caller running as {@code uid} sees it:
   * null if it has none or may not see it.
   */
  public static byte[] value(FsNode node, String name, long uid) throws FsError {
    return visible(name, uid) ? node.xattr(name) : null;
  }

  /** The names of {@code node}'s xattrs a caller running as {@code uid} sees. */
  public static List<String> names(FsNode node, long uid) throws FsError {
    return node.xattrNames().stream().filter(n -> visible(n, uid)).toList();
  }
}
