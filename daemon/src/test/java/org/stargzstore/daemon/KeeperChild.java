package org.stargzstore.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.stargzstore.fs.fuse.kernel.LibC;
import org.stargzstore.fs.fuse.kernel.handover.HolderDescriptorKeeper;
import org.stargzstore.fs.fuse.kernel.handover.SocketCalls;

/**
 * A daemon's part towards the holder, as its own process so a test can kill it with SIGKILL:
 * {@code keep-pipe}/{@code keep-fuse} keep a descriptor (a filled pipe, or a real /dev/fuse
 * connection mounted at MOUNTPOINT) and wait; {@code reclaim-pipe} prints what the reclaimed pipe
 * holds; {@code reclaim-fuse} prints the opcode of the first request on the reclaimed connection
 * (the kernel's INIT, queued at mount: only that connection has it) and waits for stdin to close.
 */
public final class KeeperChild {
  private KeeperChild() {}

  public static void main(String[] args) throws Exception {
    SocketCalls calls = SocketCalls.get();
    HolderDescriptorKeeper keeper = new HolderDescriptorKeeper(calls, Path.of(args[1]));
    Path mp = Path.of(args[2]);
    switch (args[0]) {
      case "keep-pipe" -> {
        int[] pipe = new int[2];
        check(calls.pipe2(pipe, 0), "pipe2");
        byte[] b = ("written by pid " + ProcessHandle.current().pid())
            .getBytes(StandardCharsets.UTF_8);
        calls.write(pipe[1], b, b.length);
        calls.close(pipe[1]);
        keeper.keep(mp, pipe[0]);
        keptAndWait();
      }
      case "keep-fuse" -> {
        LibC libc = LibC.get();
        int fd = libc.open("/dev/fuse", LibC.O_RDWR | LibC.O_CLOEXEC);
        check(fd, "open /dev/fuse");
        check(libc.mount("stargz-registry-storage", mp.toString(), "fuse.stargz", 0L,
            "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0"), "mount");
        keeper.keep(mp, fd);
        keptAndWait();
      }
      case "reclaim-pipe" -> {
        OptionalInt fd = keeper.reclaim(mp);
        byte[] b = new byte[200];
        long n = fd.isPresent() ? calls.read(fd.getAsInt(), b, b.length) : 0;
        System.out.println("READ: " + new String(b, 0, (int) Math.max(0, n),
            StandardCharsets.UTF_8));
      }
      case "reclaim-fuse" -> {
        calls.getuid(); // libc loaded before the signal: the reclaim itself is then quick
        System.out.println("READY");
        System.out.flush();
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        int fd = keeper.reclaim(mp).orElseThrow();
        System.out.println("RECLAIMED " + Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)));
        byte[] req = new byte[256 * 1024];
        long n = calls.read(fd, req, req.length);
        check((int) Math.min(n, 0), "read /dev/fuse");
        System.out.println("OPCODE " + ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN)
            .getInt(4));
        System.out.flush();
        System.in.readAllBytes();
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void keptAndWait() throws IOException {
    System.out.println("KEPT");
    System.out.flush();
    System.in.readAllBytes();
  }

  private static void check(int rc, String what) throws IOException {
    if (rc < 0) {
      throw new IOException(SocketCalls.get().describeError(what));
    }
  }
}
