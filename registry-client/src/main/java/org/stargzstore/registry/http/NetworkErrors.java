package org.stargzstore.registry.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

/**
 * One-line descriptions of transport failures for error messages, and which of them are stalls.
 */
public final class NetworkErrors {
  /** The message of {@link #deadlineExceeded()}. */
  private static final String DEADLINE = "deadline exceeded";

  private NetworkErrors() {}

  public static String describe(IOException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    if (e instanceof UnknownHostException) {
      return "unknown host " + m;
    }
    if (e instanceof ConnectException) {
      return "connection refused (" + m + ")";
    }
    if (e instanceof SocketTimeoutException) {
      return "timed out (" + m + ")";
    }
    if (e instanceof InterruptedIOException) {
      return "deadline exceeded or cancelled (" + m + ")";
    }
    if (e instanceof SSLException) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return "TLS failure: " + m + (root != e ? " (" + root.getMessage() + ")" : "");
    }
    return e.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
  }

  /**
   * True if {@code e} or one of its causes says the registry stopped sending rather than failed:
   * a socket read waited out the idle timeout, or a call's deadline passed while it waited
   * (OkHttp's call timeout, or a deadline checked between tries). A reset, a refusal or an
   * error answer is not a stall.
   */
  public static boolean isStall(Throwable e) {
    return stallCause(e) != null;
  }

  /** The timeout in {@code e}'s causes that makes it a stall (see {@link #isStall}), or null. */
  public static InterruptedIOException stallCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SocketTimeoutException st) {
        return st;
      }
      if (t instanceof InterruptedIOException io && (DEADLINE.equals(t.getMessage())
          || "timeout".equals(t.getMessage()))) {
        return io;
      }
    }
    return null;
  }

  /** What a call whose deadline passed between tries fails with (see {@link #isStall}). */
  public static InterruptedIOException deadlineExceeded() {
    return new InterruptedIOException(DEADLINE);
  }

  /** {@code 1.2 s}: an elapsed time for messages. */
  public static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}
