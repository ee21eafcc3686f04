package org.stargzstore.registry.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

/** One-line descriptions of transport failures for error messages. */
public final class NetworkErrors {
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
}
