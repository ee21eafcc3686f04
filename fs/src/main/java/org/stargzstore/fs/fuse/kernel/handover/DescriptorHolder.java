package org.stargzstore.fs.fuse.kernel.handover;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * The descriptor holder for machines without systemd ({@code stargz-registry-storage
 * fuse-holder}): keeps the {@code /dev/fuse} descriptor of each mount point that a daemon gives
 * it and hands it to the next daemon, so the FUSE connection outlives a daemon's restart. While
 * the daemon that kept or reclaimed a descriptor stays connected, nothing happens; when its
 * connection drops and no daemon reclaims within {@code abortAfter}, the holder closes its copy
 * (closing the last descriptor of a FUSE connection aborts it: reads fail with ENOTCONN instead
 * of waiting forever) and detaches the mount ({@code umount2(MNT_DETACH)}) so the mount point is
 * clean. Only peers of the holder's own uid are served (SO_PEERCRED); its socket is 0600.
 */
public final class DescriptorHolder implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DescriptorHolder.class.getName());

  private final SocketCalls calls;
  private final Path socketPath;
  private final Duration abortAfter;
  private final int uid;
  private final Map<Path, Kept> kept = new HashMap<>();
  private final AtomicLong generations = new AtomicLong();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("fuse-holder-timer"));
  private SeqPacketSocket listener;

  public DescriptorHolder(SocketCalls calls, Path socketPath, Duration abortAfter) {
    this.calls = calls;
    this.socketPath = socketPath.toAbsolutePath().normalize();
    this.abortAfter = abortAfter;
    this.uid = calls.geteuid();
  }

  /** Listens on the socket (0600, replacing a stale socket file). */
  public void listen() throws IOException {
    listener = SeqPacketSocket.listen(calls, socketPath);
    LOG.info("FUSE descriptor holder listening on " + socketPath + " (uid " + uid + "); a mount "
        + "whose daemon is gone is ended after " + abortAfter.toSeconds() + " s");
  }

  /** Serves clients until {@link #close}, one thread each. */
  public void serve() throws IOException {
    DaemonThreadFactory threads = DaemonThreadFactory.numbered("fuse-holder-client");
    while (true) {
      SeqPacketSocket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (timer.isShutdown()) {
          return;
        }
        throw e;
      }
      threads.newThread(() -> serveClient(client)).start();
    }
  }

  private void serveClient(SeqPacketSocket client) {
    try (client) {
      SeqPacketSocket.PeerCredentials peer = client.peer();
      Optional<FdMessage> m;
      if (peer.uid() != uid) {
        LOG.warning("refused a client of uid " + peer.uid() + " (pid " + peer.pid()
            + "): this holder serves uid " + uid + " only");
        // answer each request (closing without reading them would reset the connection)
        while ((m = client.receive()).isPresent()) {
          m.get().fd().ifPresent(calls::close);
          client.send(FdMessage.text(HolderMessages.ERROR + "this holder serves uid " + uid
              + " only, not " + peer.uid()));
        }
        return;
      }
      while ((m = client.receive()).isPresent()) {
        FdMessage reply = answer(client, peer, m.get());
        try {
          client.send(reply);
        } finally {
          reply.fd().ifPresent(calls::close); // a duplicate made for this reply
        }
      }
      disconnected(client, peer);
    } catch (IOException | RuntimeException e) {
      LOG.warning("client connection failed: " + e.getMessage());
      disconnected(client, null);
    }
  }

  private FdMessage answer(SeqPacketSocket client, SeqPacketSocket.PeerCredentials peer,
      FdMessage request) throws IOException {
    String[] parts = request.text().split("\n", 2);
    if (parts.length != 2 || !parts[1].startsWith("/")) {
      request.fd().ifPresent(calls::close);
      return FdMessage.text(HolderMessages.ERROR + "not a request: " + request.text());
    }
    Path mp = Path.of(parts[1]).normalize();
    switch (parts[0]) {
      case HolderMessages.KEEP -> {
        if (request.fd().isEmpty()) {
          return FdMessage.text(HolderMessages.ERROR + "KEEP without a descriptor");
        }
        keep(client, peer, mp, request.fd().getAsInt());
        return FdMessage.text(HolderMessages.OK);
      }
      case HolderMessages.RECLAIM -> {
        request.fd().ifPresent(calls::close);
        return reclaim(client, peer, mp);
      }
      default -> {
        request.fd().ifPresent(calls::close);
        return FdMessage.text(HolderMessages.ERROR + "unknown request " + parts[0]);
      }
    }
  }

  private synchronized void keep(SeqPacketSocket client, SeqPacketSocket.PeerCredentials peer,
      Path mp, int fd) {
    Kept old = kept.put(mp, new Kept(fd, client, null, generations.incrementAndGet()));
    if (old != null) {
      old.cancelAbort();
      calls.close(old.fd);
    }
    LOG.info("keeping the FUSE descriptor of " + mp + " for pid " + peer.pid());
  }

  /** A duplicate of the kept descriptor (the holder keeps its own until told otherwise). */
  private synchronized FdMessage reclaim(SeqPacketSocket client,
      SeqPacketSocket.PeerCredentials peer, Path mp) {
    Kept k = kept.get(mp);
    if (k == null) {
      return FdMessage.text(HolderMessages.NONE);
    }
    int dup = calls.fcntl(k.fd, SocketCalls.F_DUPFD_CLOEXEC, 3);
    if (dup < 0) {
      return FdMessage.text(HolderMessages.ERROR + calls.describeError("cannot duplicate the "
          + "descriptor of " + mp));
    }
    k.cancelAbort();
    kept.put(mp, new Kept(k.fd, client, null, generations.incrementAndGet()));
    LOG.info("handing the FUSE descriptor of " + mp + " to pid " + peer.pid());
    return FdMessage.text(HolderMessages.FD, dup);
  }

  private synchronized void disconnected(SeqPacketSocket client,
      SeqPacketSocket.PeerCredentials peer) {
    for (Map.Entry<Path, Kept> e : kept.entrySet()) {
      Kept k = e.getValue();
      if (k.owner == client) {
        Path mp = e.getKey();
        LOG.warning("the daemon serving " + mp + (peer == null ? "" : " (pid " + peer.pid() + ")")
            + " disconnected; the mount is ended in " + abortAfter.toSeconds() + " s unless a "
            + "daemon reclaims its descriptor");
        long generation = generations.incrementAndGet();
        ScheduledFuture<?> abort = timer.schedule(() -> abortIfUnclaimed(mp, generation),
            abortAfter.toMillis(), TimeUnit.MILLISECONDS);
        e.setValue(new Kept(k.fd, null, abort, generation));
      }
    }
  }

  private synchronized void abortIfUnclaimed(Path mp, long generation) {
    Kept k = kept.get(mp);
    if (k == null || k.generation != generation) {
      return;
    }
    kept.remove(mp);
    calls.close(k.fd);
    String unmount = calls.umount2(mp.toString(), SocketCalls.MNT_DETACH) == 0
        ? "detached the mount"
        : calls.describeError("could not detach the mount");
    LOG.warning("no daemon reclaimed the FUSE descriptor of " + mp + " within "
        + abortAfter.toSeconds() + " s: closed it, which aborts the FUSE connection (readers get "
        + "ENOTCONN, \"Transport endpoint is not connected\"), and " + unmount);
  }

  /** Stops serving; kept descriptors are closed with the process. */
  @Override
  public void close() {
    timer.shutdownNow();
    if (listener != null) {
      listener.shutdown();
      listener.close();
    }
  }

  /**
   * A kept descriptor, the client that serves its mount (null: none), its pending abort, and a
   * generation that tells a stale abort from the current state.
   */
  private record Kept(int fd, SeqPacketSocket owner, ScheduledFuture<?> abort, long generation) {
    void cancelAbort() {
      if (abort != null) {
        abort.cancel(false);
      }
    }
  }
}
