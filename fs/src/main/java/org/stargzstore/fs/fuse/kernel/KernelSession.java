package org.stargzstore.fs.fuse.kernel;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * file system was unmounted, or the connection aborted), or when it hands the connection over
 * ({@link #handOver()}) to a process that {@link #resume resumes} it (docs/fuse.md, "Takeover").
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

  /** Names a stopping session looks up in the root to wake its workers (never in the tree). */
  static final String WAKE_NAME = ".stargz-session-wake-";
  /** {@code FUSE_NOTIFY_RESEND}: the kernel queues again what the connection's readers took. */
  private static final int NOTIFY_RESEND = 7;

  private final LibC libc;
  private final DevFuse dev;
  private final Path mountPoint;
  private final Operations ops;
  private final NodeJournal journal;
  private final CountDownLatch stopped = new CountDownLatch(WORKERS);
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean handingOver;

  private KernelSession(LibC libc, DevFuse dev, Path mountPoint, Operations ops,
      NodeJournal journal) {
    this.libc = libc;
    this.dev = dev;
    this.mountPoint = mountPoint;
    this.ops = ops;
    this.journal = journal;
  }

  /**
   * Opens {@code /dev/fuse}, mounts it at {@code mountPoint} ({@code mount(2)} as root,
   * {@code fusermount3} otherwise) and starts serving {@code root}.
   */
  public static KernelSession mount(FsNode root, Path mountPoint, MountOptions options)
      throws IOException {
    return mount(root, mountPoint, options, null);
  }

  /**
   * As {@link #mount(FsNode, Path, MountOptions)}; with {@code state} non-null the session
   * writes down what a later process needs to take the connection over (INIT, node ids).
   */
  public static KernelSession mount(FsNode root, Path mountPoint, MountOptions options,
      SessionState state) throws IOException {
    LibC libc = LibC.get();
    // mount(2) as root, fusermount3 for any other user (as libfuse does)
    DevFuse dev = DevFuse.adopt(libc, KernelMounter.openAndMount(libc, mountPoint, options));
    NodeJournal journal = null;
    try {
      Operations ops;
      if (state == null) {
        ops = new Operations(root, options, new SessionStats());
      } else {
        state.reset();
        journal = NodeJournal.open(state.journalFile(), new HashMap<>());
        String device = MountDevice.of(mountPoint).orElseThrow(() -> new IOException(
            "the FUSE mount at " + mountPoint + " is not in /proc/self/mountinfo"));
        ops = new Operations(new NodeTable(root, journal), 1, null, options, new SessionStats(),
            agreed -> saveInit(state, new SessionState.Saved(agreed, device, 0)));
      }
      KernelSession s = new KernelSession(libc, dev, mountPoint, ops, journal);
      s.start();
      s.raiseReadahead(mountPoint);
      return s;
    } catch (IOException | RuntimeException e) {
      if (journal != null) {
        journal.close();
      }
      dev.close();
      throw e;
    }
  }

  /**
   * Serves a connection an earlier process mounted and served: {@code fd} is its
   * {@code /dev/fuse} descriptor (this session owns it now). No mount and no INIT: what INIT
   * agreed, and the node ids the kernel holds, come from {@code state}; the kernel is asked to
   * send again the requests the earlier process had read but not answered
   * ({@code FUSE_NOTIFY_RESEND}).
   *
   * @throws IOException if {@code state} has nothing saved for this connection (the caller
   *     then mounts afresh)
   */
  public static KernelSession resume(FsNode root, Path mountPoint, MountOptions options, int fd,
      SessionState state) throws IOException {
    SessionState.Saved saved = state.load().orElseThrow(() -> new IOException(
        "no saved FUSE session in " + state.directory() + " (the earlier daemon got no INIT)"));
    Map<Long, NodeJournal.Node> live = new LinkedHashMap<>();
    NodeJournal journal = NodeJournal.open(state.journalFile(), live);
    long generation = saved.generation() + 1;
    SessionState.Saved next = new SessionState.Saved(saved.agreed(), saved.mountDevice(),
        generation);
    state.save(next);
    LibC libc = LibC.get();
    Operations ops = new Operations(NodeTable.restore(root, journal, live.values()),
        generation << 32 | 1, saved.agreed(), options, new SessionStats(), a -> { });
    KernelSession s = new KernelSession(libc, DevFuse.adopt(libc, fd), mountPoint, ops, journal);
    LOG.info("taking over the FUSE connection at " + mountPoint + " (descriptor " + fd
        + ", protocol 7." + saved.agreed().minor() + ", " + live.size()
        + " node ids the kernel holds, session " + generation + ")");
    s.start();
    if (saved.agreed().canResend()) {
      s.askResend();
    } else {
      LOG.warning("the kernel's FUSE protocol 7." + saved.agreed().minor() + " has no "
          + "FUSE_NOTIFY_RESEND (7.40, Linux 6.9): requests the earlier daemon had read but not "
          + "answered wait until the mount is aborted");
    }
    return s;
  }

  private static void saveInit(SessionState state, SessionState.Saved saved) {
    try {
      state.save(saved);
    } catch (IOException e) {
      LOG.warning("cannot save the FUSE INIT to " + state.directory() + ": " + e.getMessage()
          + " (a later daemon cannot take this mount over)");
    }
  }

  /** Asks the kernel to queue again the requests an earlier process read and never answered. */
  private void askResend() {
    Pointer p = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), Reply.HEADER_SIZE);
    p.putInt(0, Reply.HEADER_SIZE);
    p.putInt(4, NOTIFY_RESEND);
    p.putLong(8, 0); // unique 0: a notification
    int rc = dev.write(p, Reply.HEADER_SIZE);
    if (rc < 0) {
      LOG.warning("FUSE_NOTIFY_RESEND at " + mountPoint + " failed: errno " + -rc
          + " (requests the earlier daemon had read may wait until the mount is aborted)");
    }
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
        if (journal != null) {
          journal.flush(); // the node ids this reply hands out are written down first
        }
        if (!reply.isNone()) {
          int rc = dev.write(out, reply.finish());
          // ENOENT: the request was interrupted meanwhile and the kernel no longer waits
          if (rc < 0 && rc != -Errno.ENOENT) {
            LOG.warning("FUSE reply to opcode " + req.opcode + " failed: errno " + -rc);
          }
        }
        if (handingOver) {
          return; // answered what it took; the next process reads the rest
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

  /**
   * Stops serving without ending the connection, for a process that {@link #resume resumes} it:
   * no new request is taken, those taken are answered, the mount stays, and this session's
   * descriptor is closed (a keeper's copy keeps the connection; without one the kernel aborts
   * it). A worker blocked in {@code read(2)} cannot be interrupted, so the session looks up
   * names of its own in the root ({@value #WAKE_NAME}N, answered ENOENT) until every worker has
   * taken one: a lookup left over is answered by the next process.
   */
  public void handOver() {
    handingOver = true;
    AtomicLong wakes = new AtomicLong();
    DaemonThreadFactory wakers = DaemonThreadFactory.numbered("fuse-wake");
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (stopped.getCount() > 0 && System.nanoTime() < deadline) {
        long live = stopped.getCount();
        for (long i = 0; i < live; i++) {
          Path name = mountPoint.resolve(WAKE_NAME + wakes.incrementAndGet());
          wakers.newThread(() -> Files.exists(name)).start();
        }
        stopped.await(500, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (stopped.getCount() > 0) {
      LOG.warning(stopped.getCount() + " FUSE workers still busy 30 s into the hand-over of "
          + mountPoint + "; the next daemon answers what they took (FUSE_NOTIFY_RESEND)");
    }
    if (journal != null) {
      journal.close();
    }
    dev.close();
    LOG.info("FUSE connection at " + mountPoint + " handed over: not unmounted, "
        + wakes.get() + " wake-up lookups");
  }

  /** This session's {@code /dev/fuse} descriptor (for a {@link DescriptorKeeper}). */
  public int fd() {
    return dev.fd();
  }

  /** What the kernel asked of this session. */
  public SessionStats stats() {
    return ops.stats();
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
    if (journal != null) {
      journal.close();
    }
  }
}
