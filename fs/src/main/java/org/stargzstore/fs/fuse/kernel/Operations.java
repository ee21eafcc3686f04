package org.stargzstore.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.fs.fuse.FileReader;
import org.stargzstore.fs.fuse.FsError;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.fs.fuse.OverlayXattrAudience;

/**
 * Answers FUSE requests from an {@link FsNode} tree, by node id. Like the libfuse binding it is
 * thin: it decodes arguments, asks the node, encodes the answer and turns {@link FsError}s into
 * errno; every operation that would change the tree answers EROFS.
 */
final class Operations {
  private static final Logger LOG = Logger.getLogger(Operations.class.getName());
  private static final int FOPEN_KEEP_CACHE = 1 << 1;
  private static final int READ_IN_SIZE = 40;
  private static final int GETXATTR_IN_SIZE = 8;
  private static final int CREATE_IN_SIZE = 16;
  private static final int O_ACCMODE = 3;

  private final NodeTable nodes;
  private final Attributes attrs;
  private final SessionStats stats;
  private final boolean debug;
  private final Handles<FileReader> files;
  private final Handles<DirectoryReader> dirs;
  private final Consumer<Init.Agreed> onInit;
  private volatile Init.Agreed agreed;

  Operations(FsNode root, MountOptions options, SessionStats stats) {
    this(new NodeTable(root), 1, null, options, stats, a -> { });
  }

  /**
   * @param nodes the node ids (restored from a journal when taking a connection over)
   * @param firstHandle the first file handle number this session hands out
   * @param agreed the INIT an earlier process agreed to (taking over), or null (INIT will come)
   * @param onInit told what INIT agreed (to save it for a later takeover)
   */
  Operations(NodeTable nodes, long firstHandle, Init.Agreed agreed, MountOptions options,
      SessionStats stats, Consumer<Init.Agreed> onInit) {
    this.nodes = nodes;
    this.files = new Handles<>(firstHandle);
    this.dirs = new Handles<>(firstHandle);
    this.agreed = agreed;
    this.onInit = onInit;
    this.attrs = new Attributes(options.cacheTimeout());
    this.stats = stats;
    this.debug = options.debug();
  }

  SessionStats stats() {
    return stats;
  }

  Init.Agreed agreed() {
    return agreed;
  }

  NodeTable nodes() {
    return nodes;
  }

  /** Answers {@code req} into {@code reply}. */
  void handle(Request req, Reply reply) {
    stats.request(req.opcode);
    String named = debug ? namedIn(req) : null;
    long started = debug ? System.nanoTime() : 0;
    try {
      dispatch(req, reply);
    } catch (FsError e) {
      fail(req, e);
      reply.error(e.errno());
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "internal error in FUSE opcode " + req.opcode + " on node "
          + req.nodeId, e);
      reply.error(FsError.EIO);
    }
    if (debug) { // [fuse] debug: every request, as libfuse's -d logs them
      LOG.info("FUSE opcode " + req.opcode + " unique " + req.unique + " node " + req.nodeId
          + (named == null ? "" : " name " + named) + " uid " + req.uid + " pid " + req.pid + " -> "
          + (reply.isNone() ? "no reply" : "error " + reply.errorCode()) + " in "
          + (System.nanoTime() - started) / 1000 + " us");
    }
  }

  /** The name a LOOKUP or GETXATTR asks for, read without moving the body (for the debug log). */
  private static String namedIn(Request req) {
    int at = req.body.position();
    try {
      return switch (req.opcode) {
        case Opcode.LOOKUP -> req.name();
        case Opcode.GETXATTR -> req.skip(GETXATTR_IN_SIZE).name();
        default -> null;
      };
    } finally {
      req.body.position(at);
    }
  }

  private void dispatch(Request req, Reply reply) throws FsError {
    ByteBuffer out = reply.body();
    switch (req.opcode) {
      case Opcode.INIT -> {
        agreed = Init.answer(req, reply);
        onInit.accept(agreed);
      }
      case Opcode.LOOKUP -> {
        String name = req.name();
        if (req.nodeId == NodeTable.ROOT_ID && name.startsWith(KernelSession.WAKE_NAME)) {
          // a stopping session waking its own workers; never a name of the tree
          throw new FsError(FsError.ENOENT, "wake-up lookup");
        }
        FsNode child = nodes.node(req.nodeId).lookup(name);
        var st = child.stat();
        attrs.entry(out, nodes.remember(req.nodeId, name, child), st);
      }
      case Opcode.FORGET -> {
        nodes.forget(req.nodeId, req.body.getLong());
        reply.none();
      }
      case Opcode.BATCH_FORGET -> {
        int count = req.body.getInt();
        req.body.getInt();
        for (int i = 0; i < count; i++) {
          nodes.forget(req.body.getLong(), req.body.getLong());
        }
        reply.none();
      }
      case Opcode.GETATTR -> attrs.attrOut(out, nodes.node(req.nodeId).stat());
      case Opcode.READLINK -> out.put(Reply.utf8(nodes.node(req.nodeId).readlink()));
      case Opcode.OPEN -> open(req, out);
      case Opcode.READ -> read(req, out);
      case Opcode.RELEASE -> {
        FileReader r = files.remove(req.body.getLong());
        if (r != null) {
          r.release();
        }
      }
      case Opcode.OPENDIR -> {
        FsNode dir = nodes.node(req.nodeId);
        if (!dir.stat().isDirectory()) {
          throw new FsError(FsError.ENOTDIR, "not a directory");
        }
        out.putLong(dirs.add(new DirectoryReader(req.nodeId, dir))).putInt(0).putInt(0);
      }
      case Opcode.READDIR, Opcode.READDIRPLUS -> readdir(req, out);
      case Opcode.RELEASEDIR -> dirs.remove(req.body.getLong());
      case Opcode.STATFS -> statfs(out);
      case Opcode.GETXATTR -> getxattr(req, reply);
      case Opcode.LISTXATTR -> listxattr(req, reply);
      case Opcode.ACCESS -> nodes.node(req.nodeId);
      case Opcode.CREATE -> {
        String name = req.skip(CREATE_IN_SIZE).name();
        nodes.node(req.nodeId).create(name);
        throw new FsError(FsError.EROFS, "read-only file system");
      }
      case Opcode.RMDIR -> nodes.node(req.nodeId).removeDirectory(req.name());
      // ENOSYS to FLUSH: the kernel stops sending it (no_flush), one round trip less per close
      case Opcode.FLUSH -> reply.error(Errno.ENOSYS);
      case Opcode.FSYNC, Opcode.FSYNCDIR, Opcode.DESTROY -> { }
      case Opcode.INTERRUPT -> reply.none(); // requests finish quickly or time out on their own
      default -> {
        if (Opcode.mutates(req.opcode)) {
          throw new FsError(FsError.EROFS, "read-only file system");
        }
        reply.error(Errno.ENOSYS);
      }
    }
  }

  private void open(Request req, ByteBuffer out) throws FsError {
    int flags = req.body.getInt();
    if ((flags & O_ACCMODE) != 0) {
      throw new FsError(FsError.EROFS, "read-only file system");
    }
    FsNode node = nodes.node(req.nodeId);
    FileReader r = node.open();
    long fh = files.add(r);
    // layer files never change: keep their pages across opens (no READ for a second open)
    out.putLong(fh).putInt(node.contentIsImmutable() ? FOPEN_KEEP_CACHE : 0).putInt(0);
  }

  private void read(Request req, ByteBuffer out) throws FsError {
    long fh = req.body.getLong();
    long offset = req.body.getLong();
    int size = req.body.getInt();
    FileReader r = files.get(fh);
    if (r == null) {
      // a handle of an earlier process (takeover): open the node again, keep it for later READs
      FileReader opened = nodes.node(req.nodeId).open();
      r = files.adopt(fh, opened);
      if (r != opened) {
        opened.release();
      }
    }
    ByteBuffer dst = out.slice(out.position(), Math.min(size, out.remaining()));
    int n = r.read(offset, dst);
    out.position(out.position() + n);
    stats.read(size, n);
  }

  private void readdir(Request req, ByteBuffer out) throws FsError {
    long fh = req.body.getLong();
    long offset = req.body.getLong();
    int size = Math.min(req.body.getInt(), out.remaining());
    DirectoryReader d = dirs.get(fh);
    if (d == null) {
      // a handle of an earlier process (takeover): list the directory again, serve by index
      d = dirs.adopt(fh, new DirectoryReader(req.nodeId, nodes.node(req.nodeId)));
    }
    if (req.opcode == Opcode.READDIRPLUS) {
      d.readPlus(offset, size, out, nodes, attrs);
    } else {
      d.read(offset, size, out);
    }
  }

  private static void statfs(ByteBuffer out) {
    out.putLong(0).putLong(0).putLong(0).putLong(0).putLong(0) // blocks, free, avail, files
        .putInt(4096).putInt(255).putInt(4096).putInt(0);       // bsize, namelen, frsize
    for (int i = 0; i < 6; i++) {
      out.putInt(0);
    }
  }

  private void getxattr(Request req, Reply reply) throws FsError {
    int size = req.body.getInt();
    String name = req.skip(GETXATTR_IN_SIZE - 4).name();
    byte[] v = OverlayXattrAudience.value(nodes.node(req.nodeId), name,
        Integer.toUnsignedLong(req.uid));
    if (v == null) {
      throw new FsError(FsError.ENODATA, "no xattr " + name);
    }
    sized(reply, size, v.length).ifPresent(b -> b.put(v));
  }

  private void listxattr(Request req, Reply reply) throws FsError {
    int size = req.body.getInt();
    List<byte[]> names = OverlayXattrAudience.names(nodes.node(req.nodeId),
        Integer.toUnsignedLong(req.uid)).stream().map(Reply::utf8).toList();
    int total = names.stream().mapToInt(b -> b.length + 1).sum();
    sized(reply, size, total).ifPresent(b -> names.forEach(n -> Reply.putCString(b, n)));
  }

  /**
   * The xattr size protocol: a request of size 0 asks for the length ({@code fuse_getxattr_out});
   * a buffer too small is ERANGE; otherwise the body is the value itself.
   */
  private static java.util.Optional<ByteBuffer> sized(Reply reply, int size, int length)
      throws FsError {
    if (size == 0) {
      reply.body().putInt(length).putInt(0);
      return java.util.Optional.empty();
    }
    if (size < length) {
      throw new FsError(FsError.ERANGE, "xattr buffer of " + size + " < " + length);
    }
    return java.util.Optional.of(reply.body());
  }

  private static void fail(Request req, FsError e) {
    if (e.errno() == FsError.EIO || e.getCause() != null) {
      LOG.log(Level.WARNING, "FUSE opcode " + req.opcode + " on node " + req.nodeId + ": "
          + e.getMessage(), e.getCause());
    } else if (LOG.isLoggable(Level.FINE)) {
      LOG.fine("FUSE opcode " + req.opcode + " on node " + req.nodeId + ": errno " + e.errno()
          + " (" + e.getMessage() + ")");
    }
  }
}
