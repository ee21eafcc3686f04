package org.stargzstore.fs.fuse.kernel.handover;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A {@code struct sockaddr_un}: a path, or with a leading {@code @} a name in the abstract
 * namespace (as systemd writes {@code NOTIFY_SOCKET}).
 */
public final class UnixAddress {
  private static final int SUN_PATH_MAX = 108;

  private UnixAddress() {}

  /** The bytes of {@code struct sockaddr_un} for {@code address}. */
  public static byte[] of(String address) {
    boolean isAbstract = address.startsWith("@");
    byte[] path = (isAbstract ? address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
    int pathLen = path.length + 1; // abstract: leading NUL; path: trailing NUL
    if (address.isEmpty() || pathLen > SUN_PATH_MAX) {
      throw new IllegalArgumentException("not a usable unix socket address (empty or longer than "
          + (SUN_PATH_MAX - 1) + " bytes): " + address);
    }
    ByteBuffer b = ByteBuffer.allocate(2 + pathLen).order(ByteOrder.nativeOrder());
    b.putShort((short) SocketCalls.AF_UNIX);
    if (isAbstract) {
      b.put((byte) 0).put(path);
    } else {
      b.put(path).put((byte) 0);
    }
    return b.array();
  }
}
