package org.stargzstore.daemon.systemd;

import java.io.IOException;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Tells systemd ({@code Type=notify}) when the daemon is ready and when it stops, so units
 * ordered {@code After=} it (CRI-O) start only once the mount serves. Without
 * {@code NOTIFY_SOCKET} in the environment (not started by systemd) it sends nothing. A failed
 * send is logged, never fatal: serving layers matters more than telling systemd.
 */
public final class SystemdNotifier {
  private static final Logger LOG = Logger.getLogger(SystemdNotifier.class.getName());
  /** The environment variable systemd sets for {@code Type=notify} services. */
  public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";

  private final Optional<String> socket;

  private SystemdNotifier(Optional<String> socket) {
    this.socket = socket;
  }

  /** A notifier for {@code $NOTIFY_SOCKET}, or one that sends nothing if it is unset. */
  public static SystemdNotifier fromEnvironment() {
    String s = System.getenv(NOTIFY_SOCKET);
    return new SystemdNotifier(s == null || s.isEmpty() ? Optional.empty() : Optional.of(s));
  }

  /** {@code READY=1}: the mount serves. */
  public void ready(String status) {
    send("READY=1\nSTATUS=" + oneLine(status) + "\nMAINPID=" + ProcessHandle.current().pid());
  }

  /** {@code STOPPING=1}: the daemon is unmounting and will exit. */
  public void stopping(String status) {
    send("STOPPING=1\nSTATUS=" + oneLine(status));
  }

  private void send(String message) {
    if (socket.isEmpty()) {
      return;
    }
    try (UnixDatagramSocket s = UnixDatagramSocket.open()) {
      s.send(socket.get(), message);
      LOG.fine(() -> "told systemd: " + message.replace('\n', ' '));
    } catch (IOException | RuntimeException e) {
      LOG.warning("cannot notify systemd at " + socket.get() + " (" + NOTIFY_SOCKET + "): "
          + e.getMessage());
    }
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ');
  }
}
