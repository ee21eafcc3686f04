package org.stargzstore.fs.fuse.kernel.handover;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * One message of a unix socket with at most one descriptor attached (SCM_RIGHTS). A received
 * descriptor belongs to whoever holds the message: it is open in this process (close-on-exec).
 *
 * @param bytes the payload
 * @param fd the descriptor that came with it, if any
 */
public record FdMessage(byte[] bytes, OptionalInt fd) {
  public FdMessage {
    bytes = bytes.clone();
  }

  /** A text message without a descriptor. */
  public static FdMessage text(String text) {
    return new FdMessage(text.getBytes(StandardCharsets.UTF_8), OptionalInt.empty());
  }

  /** A text message carrying {@code fd}. */
  public static FdMessage text(String text, int fd) {
    return new FdMessage(text.getBytes(StandardCharsets.UTF_8), OptionalInt.of(fd));
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The payload as UTF-8 text. */
  public String text() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
