package org.stargzstore.fs.fuse;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/** A small in-memory node tree: the input the FUSE binding is tested with. */
public final class MemoryNodes {
  private MemoryNodes() {}

  static final Instant MTIME = Instant.ofEpochSecond(1_700_000_000L, 123_000_000);

  public static final class Dir implements FsNode {
    final long ino;
    final Map<String, FsNode> children = new LinkedHashMap<>();
    final Map<String, byte[]> xattrs = new LinkedHashMap<>();
    final List<String> created = new ArrayList<>();
    final List<String> removed = new ArrayList<>();

    public Dir(long ino) {
      this.ino = ino;
    }

    public Dir add(String name, FsNode n) {
      children.put(name, n);
      return this;
    }

    @Override
    public Stat stat() {
      return Stat.directory(ino, 0755, 2, MTIME);
    }

    @Override
    public FsNode lookup(String name) throws FsError {
      FsNode n = children.get(name);
      if (n == null) {
        throw FsError.noEntry(name);
      }
      return n;
    }

    @Override
    public List<DirEntry> list() throws FsError {
      List<DirEntry> out = new ArrayList<>();
      for (Map.Entry<String, FsNode> e : children.entrySet()) {
        out.add(new DirEntry(e.getKey(), e.getValue().stat().ino(), e.getValue().stat().mode()));
      }
      return out;
    }

    @Override
    public byte[] xattr(String name) {
      return xattrs.get(name);
    }

    @Override
    public List<String> xattrNames() {
      return List.copyOf(xattrs.keySet());
    }

    @Override
    public void create(String name) throws FsError {
      created.add(name);
      throw FsError.noEntry("create answers ENOENT by design");
    }

    @Override
    public void removeDirectory(String name) throws FsError {
      removed.add(name);
      throw FsError.noEntry("rmdir answers ENOENT by design");
    }
  }

  /** A regular file whose byte at offset i is {@code content.applyAsLong(i)}. */
  static final class File implements FsNode {
    final long ino;
    final long size;
    final int mode;
    final int nlink;
    final LongUnaryOperator content;

    File(long ino, long size, int mode, int nlink, LongUnaryOperator content) {
      this.ino = ino;
      this.size = size;
      this.mode = mode;
      this.nlink = nlink;
      this.content = content;
    }

    @Override
    public Stat stat() {
      return new Stat(ino, 0100000 | mode, nlink, 1000, 1001, size, MTIME, 0, 0);
    }

    @Override
    public FileReader open() {
      return (offset, dst) -> {
        int n = (int) Math.max(0, Math.min(dst.remaining(), size - offset));
        for (int i = 0; i < n; i++) {
          dst.put((byte) content.applyAsLong(offset + i));
        }
        return n;
      };
    }
  }

  static final class Special implements FsNode {
    final Stat stat;
    final String target;

    Special(Stat stat, String target) {
      this.stat = stat;
      this.target = target;
    }

    @Override
    public Stat stat() {
      return stat;
    }

    @Override
    public String readlink() throws FsError {
      if (target == null) {
        throw new FsError(FsError.EINVAL, "not a symlink");
      }
      return target;
    }
  }

  /** A file that serves {@code bytes} from memory with bulk copies (for throughput). */
  public static final class Bytes implements FsNode {
    final long ino;
    final byte[] bytes;
    final boolean immutable;

    public Bytes(long ino, byte[] bytes) {
      this(ino, bytes, true);
    }

    /** {@code immutable = false}: a file like the ALS's generated ones, read afresh per open. */
    Bytes(long ino, byte[] bytes, boolean immutable) {
      this.ino = ino;
      this.bytes = bytes;
      this.immutable = immutable;
    }

    @Override
    public boolean contentIsImmutable() {
      return immutable;
    }

    @Override
    public Stat stat() {
      return Stat.file(ino, 0644, bytes.length, MTIME);
    }

    @Override
    public FileReader open() {
      return (offset, dst) -> {
        int n = (int) Math.max(0, Math.min(dst.remaining(), bytes.length - offset));
        ByteBuffer.wrap(bytes, (int) offset, n);
        dst.put(bytes, (int) offset, n);
        return n;
      };
    }
  }
}
