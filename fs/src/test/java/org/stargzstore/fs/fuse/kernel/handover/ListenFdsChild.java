package org.stargzstore.fs.fuse.kernel.handover;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * A process started as systemd starts a service with stored descriptors: reclaims the one for
 * {@code args[0]} and prints what it reads from it (a pipe the launcher filled).
 */
public final class ListenFdsChild {
  private ListenFdsChild() {}

  public static void main(String[] args) throws Exception {
    SystemdDescriptorStore store = SystemdDescriptorStore.fromEnvironment();
    OptionalInt fd = store.reclaim(Path.of(args[0]));
    if (fd.isEmpty()) {
      System.out.println("NONE");
      return;
    }
    System.out.println("fd " + fd.getAsInt() + " read: "
        + Pipes.read(SocketCalls.get(), fd.getAsInt(), 100));
    System.out.println("again: " + store.reclaim(Path.of(args[0])));
  }
}
