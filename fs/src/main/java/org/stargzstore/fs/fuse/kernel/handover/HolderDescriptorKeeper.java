package org.stargzstore.fs.fuse.kernel.handover;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.logging.Logger;
import org.stargzstore.fs.fuse.kernel.DescriptorKeeper;

/**
 * The daemon's side of the holder ({@code stargz-registry-storage fuse-holder}), the keeper for
 * machines without systemd. It keeps one connection to the holder open for as long as the daemon
 * lives: that open connection tells the holder the mount is served; when it drops and no daemon
 * reclaims the descriptor within the holder's {@code --abort-after}, the holder ends the mount.
 */
public final class HolderDescriptorKeeper implements DescriptorKeeper, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(HolderDescriptorKeeper.class.getName());

  private final SocketCalls calls;
  private final Path socket;
  private SeqPacketSocket connection;

  public HolderDescriptorKeeper(SocketCalls calls, Path socket) {
    this.calls = calls;
    this.socket = socket;
  }

  /** The holder's socket. */
  public Path socket() {
    return socket;
  }

  @Override
  public synchronized OptionalInt reclaim(Path mountpoint) throws IOException {
    FdMessage reply = call(FdMessage.text(HolderMessages.request(HolderMessages.RECLAIM,
        mountpoint)), mountpoint);
    String text = reply.text();
    if (text.equals(HolderMessages.FD) && reply.fd().isPresent()) {
      LOG.info("reclaimed the FUSE descriptor of " + mountpoint + " from the holder at " + socket);
      return reply.fd();
    }
    reply.fd().ifPresent(calls::close);
    if (text.equals(HolderMessages.NONE)) {
      return OptionalInt.empty();
    }
    throw refused("reclaim", mountpoint, text);
  }

  @Override
  public synchronized void keep(Path mountpoint, int fd) throws IOException {
    FdMessage reply = call(FdMessage.text(HolderMessages.request(HolderMessages.KEEP,
        mountpoint), fd), mountpoint);
    reply.fd().ifPresent(calls::close);
    if (!reply.text().equals(HolderMessages.OK)) {
      throw refused("keep", mountpoint, reply.text());
    }
    LOG.info("kept the FUSE descriptor of " + mountpoint + " in the holder at " + socket);
  }

  private FdMessage call(FdMessage request, Path mountpoint) throws IOException {
    if (connection == null) {
      connection = SeqPacketSocket.connect(calls, socket);
    }
    try {
      connection.send(request);
      Optional<FdMessage> reply = connection.receive();
      if (reply.isEmpty()) {
        throw new IOException("the FUSE descriptor holder at " + socket + " closed the connection "
            + "(for mount point " + mountpoint + "): is it running, as this user?");
      }
      return reply.get();
    } catch (IOException e) {
      connection.close();
      connection = null;
      throw e;
    }
  }

  private IOException refused(String what, Path mountpoint, String reply) {
    return new IOException("the FUSE descriptor holder at " + socket + " refused to " + what
        + " the descriptor of " + mountpoint + ": " + reply);
  }

  /** Drops the connection: the holder then counts down to ending the mount. */
  @Override
  public synchronized void close() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  @Override
  public String toString() {
    return "holder at " + socket;
  }
}
