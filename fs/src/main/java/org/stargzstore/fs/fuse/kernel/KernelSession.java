package org.stargzstore.fs.fuse.kernel;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * A FUSE session over {@code /dev/fuse} without libfuse: {@value #WORKERS} worker threads each
 * read one request, let {@link Operations} answer it and write the reply with one
 * {@code write(2)}. The session ends when the kernel ends the connection (ENODEV on read: the
 * file system was unmounted, or the connection aborted).
 */
public final class KernelSession implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KernelSession.class.getName());
  /** Workers: a read waiting for the registry blocks one (up to read_timeout). */
  static final int WORKERS = 32;
  /** The device wants room for the largest request (a WRITE of max_write) plus headers. */
  private static final int REQUEST_BUFFER = Init.MAX_WRITE + 4096;
  /** A READ reply: header and up to max_pages of data. */
  private static final int REPLY_BUFFER = Init.MAX_READ + 4096;
  /** Readahead that lets sequential reads reach {@link Init#MAX_PAGES} pages per request. */
  private static final int READ_AHEAD_KB = Init.MAX_PAGES * 4;

  private final LibC libc;
  private final DevFuse dev;
  private final Operations ops;
  private final SessionStats stats = new SessionStats();
  private final CountDownLatch stopped = new CountDownLatch(WORKERS);
  private final List<Thread> workers = new ArrayList<>();

  private KernelSession(LibC libc, DevFuse dev, FsNode root, MountOptions options) {
    this.libc = libc;
    this.dev = dev;
    this.ops = new Operations(root, options, stats);
  }

  /** Opens {@code /dev/fuse}, mounts it at {@code mountPoint} and starts serving {@code root}. */
  public static KernelSession mount(FsNode root, Path mountPoint, MountOptions options)
      throws IOException {
    LibC libc = LibC.get();
    DevFuse dev = DevFuse.open(libc);
    try {
      KernelMounter.mount(libc, dev, mountPoint, options);
    } catch (IOException | RuntimeException e) {
      dev.close();
      throw e;
    }
    KernelSession s = new KernelSession(libc, dev, root, options);
    s.start();
    s.raiseReadahead(mountPoint);
    return s;
  }

  private void start() {
    DaemonThreadFactory threads = DaemonThreadFactory.numbered("fuse-kernel");
    for (int i = 0; i < WORKERS; i++) {
      Thread t = threads.newThread(this::serve);
      workers.add(t);
      t.start();
    }
  }

  private void serve() {
    Pointer in = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), REQUEST_BUFFER);
    Pointer out = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), REPLY_BUFFER);
    ByteBuffer inBuf = MemoryIO.getInstance().newDirectByteBuffer(in.address(), REQUEST_BUFFER);
    Reply reply = new Reply(
        MemoryIO.getInstance().newDirectByteBuffer(out.address(), REPLY_BUFFER));
    try {
      while (true) {
        int n = dev.read(in, REQUEST_BUFFER);
        if (n == -Errno.ENODEV || n == -Errno.EBADF) {
          return; // unmounted (or the connection aborted): the session is over
        }
        if (n == -Errno.EINTR || n == -Errno.EAGAIN || n == -Errno.ENOENT) {
          continue; // interrupted, or the request was withdrawn before we took it
        }
        if (n < 0) {
          LOG.severe("reading " + DevFuse.PATH + " failed: errno " + -n + "; FUSE worker stops");
          return;
        }
        Request req = Request.decode(inBuf.clear(), n);
        ops.handle(req, reply.begin(req.unique));
        if (!reply.isNone()) {
          int rc = dev.write(out, reply.finish());
          // ENOENT: the request was interrupted meanwhile and the kernel no longer waits
          if (rc < 0 && rc != -Errno.ENOENT) {
            LOG.warning("FUSE reply to opcode " + req.opcode + " failed: errno " + -rc);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "FUSE worker failed", e);
    } finally {
      stopped.countDown();
      if (stopped.getCount() == 0) {
        dev.close();
      }
    }
  }

  /**
   * The kernel starts FUSE mounts with 128 KiB of readahead, which caps sequential READs at
   * 128 KiB whatever max_pages allows; the bdi's {@code read_ahead_kb} raises it. Done after the
   * INIT reply (a stat of the root waits for it), which would otherwise lower it again.
   */
  private void raiseReadahead(Path mountPoint) {
    try {
      long dev = (Long) Files.getAttribute(mountPoint, "unix:dev");
      long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
      long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
      Path knob = Path.of("/sys/class/bdi/" + major + ":" + minor + "/read_ahead_kb");
      Files.writeString(knob, Integer.toString(READ_AHEAD_KB), StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      LOG.info("cannot raise the FUSE readahead at " + mountPoint + " (reads stay at 128 KiB): "
          + e.getMessage());
    }
  }

  /** What the kernel asked of this session. */
  public SessionStats stats() {
    return stats;
  }

  /** Node ids the kernel currently holds (the root included). */
  public int nodeIds() {
    return ops.nodes().size();
  }

  /** Worker threads still serving. */
  public long liveWorkers() {
    return stopped.getCount();
  }

  /** Waits until every worker has stopped (after the unmount); true if they did in time. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Called after the unmount: the workers see ENODEV and stop, the last closes the device. Does
   * not unmount by itself ({@code FuseMount} does, lazily).
   */
  @Override
  public void close() {
    try {
      if (!awaitStopped(Duration.ofSeconds(10))) {
        LOG.warning("FUSE workers still running 10 s after the unmount (" + stopped.getCount()
            + " left)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
