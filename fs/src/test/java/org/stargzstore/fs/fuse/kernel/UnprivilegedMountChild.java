package org.stargzstore.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import org.stargzstore.fs.fuse.MountEntry;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.fs.fuse.kernel.handover.SocketCalls;

/**
 * Run as a user who may not call mount(2): mounts MOUNTPOINT as the kernel backend does
 * ({@link KernelMounter#openAndMount}, which goes through fusermount3), prints the mount entry
 * and the first request's opcode on the descriptor it got (the kernel's INIT), then unmounts with
 * {@code fusermount3 -u}.
 */
public final class UnprivilegedMountChild {
  private UnprivilegedMountChild() {}

  public static void main(String[] args) throws Exception {
    Path mp = Path.of(args[0]);
    System.out.println("EUID " + LibC.get().geteuid());
    int fd = KernelMounter.openAndMount(LibC.get(), mp,
        new MountOptions(false, Duration.ofSeconds(1), false, MountOptions.Backend.KERNEL));
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
