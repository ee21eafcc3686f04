package org.stargzstore.fs.fuse.kernel.handover;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The name a kept descriptor goes by: systemd's {@code FDNAME} allows at most 255 printable
 * characters without {@code :}, which a path may break, so the name is a short hash of the
 * absolute mount point that any process computes alike.
 */
public final class DescriptorNames {
  private DescriptorNames() {}

  /** {@code fuse-} and the first 16 hex digits of SHA-256 of the absolute, normalized path. */
  public static String forMountPoint(Path mountPoint) {
    String path = mountPoint.toAbsolutePath().normalize().toString();
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
      return "fuse-" + HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
