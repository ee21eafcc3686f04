package org.stargzstore.daemon.run;

import java.util.List;
import java.util.logging.Logger;
import org.stargzstore.daemon.systemd.SystemdNotifier;
import sun.misc.Signal;

/**
 * Stops a running daemon once: tells systemd it is stopping, unmounts (or, with a takeover,
 * hands the FUSE connection over to the next daemon), closes the rest. It
 * handles SIGTERM and SIGINT itself, because the JVM's own handling runs the shutdown hooks and
 * then exits with 143 (128 + SIGTERM), which systemd records as a failed stop; with this, the
 * daemon's main thread returns and the process exits 0. It also runs as a shutdown hook, for any
 * other way the JVM ends.
 */
public final class GracefulStop implements Runnable {
  private static final Logger LOG = Logger.getLogger(GracefulStop.class.getName());
  private static final List<String> STOP_SIGNALS = List.of("TERM", "INT");

  private final Daemon daemon;
  private final AutoCloseable client;
  private final SystemdNotifier systemd;
  private boolean done;

  private GracefulStop(Daemon daemon, AutoCloseable client, SystemdNotifier systemd) {
    this.daemon = daemon;
    this.client = client;
    this.systemd = systemd;
  }

  /** Stops {@code daemon} (then {@code client}) on SIGTERM, SIGINT or JVM shutdown. */
  public static GracefulStop install(Daemon daemon, AutoCloseable client,
      SystemdNotifier systemd) {
    GracefulStop stop = new GracefulStop(daemon, client, systemd);
    for (String name : STOP_SIGNALS) {
      Signal.handle(new Signal(name), sig -> {
        LOG.info("SIG" + sig.getName() + " received");
        stop.run();
      });
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "shutdown"));
    return stop;
  }

  /** Stops the daemon; later calls wait until the first one has finished. */
  @Override
  public synchronized void run() {
    if (done) {
      return;
    }
    done = true;
    String action = daemon.stopAction();
    LOG.info("stopping: " + action);
    systemd.stopping(action);
    daemon.close();
    try {
      client.close();
    } catch (Exception e) {
      LOG.warning("shutting down: " + e.getMessage());
    }
  }
}
