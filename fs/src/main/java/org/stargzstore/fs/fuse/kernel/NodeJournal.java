package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The node ids the kernel holds, written down so that a new process can honour them: one record
 * per reference handed out (id, parent id, name, +1) and per FORGET (id, -count). The records a
 * request makes are gathered per thread and appended with one {@code write(2)} ({@link #flush})
 * before the reply that hands the references out (a READDIRPLUS reply of 25 entries costs one
 * write, not 25). There is no fsync:
 * the records are in the page cache as soon as {@code write} returns, so they survive
 * {@code kill -9} of the process (not a crash of the machine, which ends the mount anyway).
 * {@link #replay} sums the records per id; at start the journal is rewritten with one record
 * per live id (compaction).
 *
 * <p>Record: {@code int length, long id, long parent, long delta, name bytes (UTF-8)}, little
 * endian. A torn last record (never written whole) is ignored.
 */
final class NodeJournal implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(NodeJournal.class.getName());
  private static final int FIXED = 4 + 8 + 8 + 8;

  /** A node id the kernel holds, and how many references. */
  record Node(long id, long parent, String name, long lookups) {}

  private final Path file;
  private final FileChannel out;
  /** The records of the request this thread is answering, not written yet. */
  private final ThreadLocal<ByteBuffer> pending = ThreadLocal.withInitial(
      () -> ByteBuffer.allocateDirect(64 << 10).order(ByteOrder.LITTLE_ENDIAN));

  private NodeJournal(Path file, FileChannel out) {
    this.file = file;
    this.out = out;
  }

  /**
   * Reads {@code file} (if any), rewrites it with one record per live id and opens it for
   * appending; the live ids are returned in {@code live} (id -> node).
   */
  static NodeJournal open(Path file, Map<Long, Node> live) throws IOException {
    live.putAll(replay(file));
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      for (Node n : live.values()) {
        ByteBuffer b = record(n.id(), n.parent(), n.lookups(), n.name());
        while (b.hasRemaining()) {
          c.write(b);
        }
      }
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return new NodeJournal(file, FileChannel.open(file, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND));
  }

  /** The live ids in {@code file}: references summed per id, those at zero dropped. */
  static Map<Long, Node> replay(Path file) throws IOException {
    Map<Long, Node> nodes = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return nodes;
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    while (b.remaining() >= 4) {
      int len = b.getInt(b.position());
      if (len < FIXED || len > b.remaining()) {
        LOG.warning("node journal " + file + ": record at byte " + b.position()
            + " is incomplete (" + b.remaining() + " bytes left): ignored");
        break;
      }
      b.getInt();
      long id = b.getLong();
      long parent = b.getLong();
      long delta = b.getLong();
      byte[] name = new byte[len - FIXED];
      b.get(name);
      Node old = nodes.get(id);
      if (old == null) {
        nodes.put(id, new Node(id, parent, new String(name, StandardCharsets.UTF_8), delta));
      } else if (old.name().isEmpty()) { // a FORGET written before the reference it returns
        nodes.put(id, new Node(id, parent, new String(name, StandardCharsets.UTF_8),
            old.lookups() + delta));
      } else {
        nodes.put(id, new Node(id, old.parent(), old.name(), old.lookups() + delta));
      }
    }
    nodes.values().removeIf(n -> n.lookups() <= 0 || n.name().isEmpty());
    return nodes;
  }

  /** One more kernel reference to {@code id}, {@code name} under {@code parent}. */
  void referenced(long id, long parent, String name) {
    gather(record(id, parent, 1, name));
  }

  /** The kernel gave back {@code count} references to {@code id}. */
  void forgotten(long id, long count) {
    gather(record(id, 0, -count, ""));
  }

  private void gather(ByteBuffer record) {
    ByteBuffer p = pending.get();
    if (p.remaining() < record.remaining()) {
      flush();
      if (p.remaining() < record.remaining()) { // a record larger than the buffer: alone
        write(record);
        return;
      }
    }
    p.put(record);
  }

  /**
   * Writes the records this thread gathered for the request it answers: called before the reply
   * is sent, so the kernel never holds an id the journal does not have.
   */
  void flush() {
    ByteBuffer p = pending.get();
    if (p.position() == 0) {
      return;
    }
    p.flip();
    write(p);
    p.clear();
  }

  private void write(ByteBuffer b) {
    try {
      // one write(2) with O_APPEND: the records land whole at the end, whatever other threads do
      int n = out.write(b);
      if (b.hasRemaining()) {
        throw new IOException("short write (" + n + " bytes)");
      }
    } catch (IOException e) {
      // the id still works in this process; only a takeover would not know it
      LOG.warning("cannot append to the node journal " + file + ": " + e.getMessage()
          + " (a daemon taking this mount over would not know the node)");
    }
  }

  private static ByteBuffer record(long id, long parent, long delta, String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(FIXED + n.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(FIXED + n.length).putLong(id).putLong(parent).putLong(delta).put(n);
    return b.flip();
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      LOG.fine(() -> "closing " + file + ": " + e);
    }
  }
}
