package org.stargzstore.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.stargzstore.fs.fuse.MountEntry;
import org.stargzstore.fs.fuse.MemoryNodes;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.fs.fuse.kernel.handover.SocketCalls;

/**
 * Run as a user who may not call mount(2): mounts MOUNTPOINT as the kernel backend does
 * ({@link KernelMounter#openAndMount}, which goes through fusermount3), prints the mount entry
 * and the first request's opcode on the descriptor it got (the kernel's INIT), then unmounts with
 * {@code fusermount3 -u}. With a second argument {@code session}: mounts and serves a file
 * through {@link KernelSession#mount} (the daemon's path), reads it, then unmounts.
 */
public final class UnprivilegedMountChild {
  private UnprivilegedMountChild() {}

  public static void main(String[] args) throws Exception {
    Path mp = Path.of(args[0]);
    System.out.println("EUID " + LibC.get().geteuid());
    MountOptions options =
        new MountOptions(false, Duration.ofSeconds(1), false, MountOptions.Backend.KERNEL);
    if (args.length > 1 && args[1].equals("session")) {
      KernelSession s = KernelSession.mount(new MemoryNodes.Dir(1).add("hello",
          new MemoryNodes.Bytes(2, "served to nobody\n".getBytes(StandardCharsets.UTF_8))), mp,
          options);
      System.out.println("MOUNTED " + MountEntry.at(mp).map(MountEntry::toString).orElse("no"));
      System.out.print("READ " + Files.readString(mp.resolve("hello")));
      Process u = new ProcessBuilder("fusermount3", "-u", mp.toString()).inheritIO().start();
      System.out.println("UNMOUNT " + u.waitFor());
      System.out.println("STOPPED " + s.awaitStopped(Duration.ofSeconds(10)));
      s.close();
      System.out.println("AFTER " + MountEntry.at(mp).map(MountEntry::toString).orElse("none"));
      return;
    }
    int fd = KernelMounter.openAndMount(LibC.get(), mp, options);
    System.out.println("MOUNTED " + MountEntry.at(mp).map(MountEntry::toString).orElse("no"));
    byte[] req = new byte[256 * 1024];
    long n = SocketCalls.get().read(fd, req, req.length);
    System.out.println("OPCODE " + (n < 0 ? "error " + SocketCalls.get().errno()
        : ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN).getInt(4)));
    Process u = new ProcessBuilder("fusermount3", "-u", mp.toString()).inheritIO().start();
    System.out.println("UNMOUNT " + u.waitFor());
    System.out.println("AFTER " + MountEntry.at(mp).map(MountEntry::toString).orElse("none"));
  }
}
