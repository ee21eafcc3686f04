package org.stargzstore.fs.fuse;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * Maps libfuse's path-based operations onto an {@link FsNode} tree. Deliberately thin: it walks
 * paths, copies bytes and translates {@link FsError}s to errno; all meaning lives in the nodes,
 * which tests exercise without mounting anything.
 */
public final class FuseBinding extends FuseStubFS {
  private static final Logger LOG = Logger.getLogger(FuseBinding.class.getName());
  private static final int BLOCK_SIZE = 4096;

  private final FsNode root;
  private final ConcurrentHashMap<Long, FileReader> openFiles = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);

  public FuseBinding(FsNode root) {
    this.root = root;
  }

  /** Resolves an absolute path from the mount root, one component at a time. */
  FsNode resolve(String path) throws FsError {
    FsNode cur = root;
    int start = 1;
    int len = path.length();
    while (start < len) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? len : slash;
      if (end > start) {
        cur = cur.lookup(path.substring(start, end));
      }
      start = end + 1;
    }
    return cur;
  }

  private static int fail(String op, String path, FsError e) {
    if (e.errno() == FsError.EIO || e.getCause() != null) {
      LOG.log(Level.WARNING, op + " " + path + ": " + e.getMessage(), e.getCause());
    } else if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(op + " " + path + ": errno " + e.errno() + " (" + e.getMessage() + ")");
    }
    return -e.errno();
  }

  private static int bug(String op, String path, RuntimeException e) {
    LOG.log(Level.SEVERE, "internal error in " + op + " " + path, e);
    return -FsError.EIO;
  }

  @Override
  public int getattr(String path, FileStat stat) {
    try {
      fill(stat, resolve(path).stat());
      return 0;
    } catch (FsError e) {
      return fail("getattr", path, e);
    } catch (RuntimeException e) {
      return bug("getattr", path, e);
    }
  }

  static void fill(FileStat st, Stat s) {
    st.st_ino.set(s.ino());
    st.st_mode.set(s.mode());
    st.st_nlink.set(s.nlink());
    st.st_uid.set(s.uid());
    st.st_gid.set(s.gid());
    st.st_size.set(s.size());
    st.st_blksize.set(BLOCK_SIZE);
    st.st_blocks.set((s.size() + 511) / 512);
    st.st_rdev.set(s.rdev());
    long sec = s.mtime().getEpochSecond();
    int nsec = s.mtime().getNano();
    st.st_mtim.tv_sec.set(sec);
    st.st_mtim.tv_nsec.set(nsec);
    st.st_atim.tv_sec.set(sec);
    st.st_atim.tv_nsec.set(nsec);
    st.st_ctim.tv_sec.set(sec);
    st.st_ctim.tv_nsec.set(nsec);
  }

  @Override
  public int access(String path, int mask) {
    try {
      resolve(path);
      return 0;
    } catch (FsError e) {
      return fail("access", path, e);
    } catch (RuntimeException e) {
      return bug("access", path, e);
    }
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    try {
      byte[] target = resolve(path).readlink().getBytes(StandardCharsets.UTF_8);
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    } catch (FsError e) {
      return fail("readlink", path, e);
    } catch (RuntimeException e) {
      return bug("readlink", path, e);
    }
  }

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    try {
      FsNode n = resolve(path);
      if (!n.stat().isDirectory()) {
        return -FsError.ENOTDIR;
      }
      return 0;
    } catch (FsError e) {
      return fail("opendir", path, e);
    } catch (RuntimeException e) {
      return bug("opendir", path, e);
    }
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset,
      FuseFileInfo fi) {
    try {
      FsNode dir = resolve(path);
      List<FsNode.DirEntry> entries = dir.list();
      // Each name goes with its inode number and type (d_ino, d_type). Without them every entry
      // reads as DT_UNKNOWN with inode 0xffffffff, and find, ls or fts must look up every entry
      // just to learn whether it is a directory: one more FUSE round trip per entry.
      FileStat st = new FileStat(jnr.ffi.Runtime.getSystemRuntime());
      Pointer sp = Struct.getMemory(st);
      Stat self = dir.stat();
      st.st_ino.set(self.ino());
      st.st_mode.set(self.mode());
      filter.apply(buf, cString("."), sp, 0);
      filter.apply(buf, cString(".."), null, 0);
      for (FsNode.DirEntry e : entries) {
        st.st_ino.set(e.ino());
        st.st_mode.set(e.mode());
        if (filter.apply(buf, cString(e.name()), sp, 0) != 0) {
          break;
        }
      }
      return 0;
    } catch (FsError e) {
      return fail("readdir", path, e);
    } catch (RuntimeException e) {
      return bug("readdir", path, e);
    }
  }

  private static ByteBuffer cString(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] z = new byte[b.length + 1];
    System.arraycopy(b, 0, z, 0, b.length);
    return ByteBuffer.wrap(z);
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    try {
      if ((fi.flags.get() & 3) != 0) {
        return -FsError.EROFS;
      }
      FileReader r = resolve(path).open();
      long fh = nextHandle.getAndIncrement();
      openFiles.put(fh, r);
      fi.fh.set(fh);
      return 0;
    } catch (FsError e) {
      return fail("open", path, e);
    } catch (RuntimeException e) {
      return bug("open", path, e);
    }
  }

  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset,
      FuseFileInfo fi) {
    FileReader r = openFiles.get(fi.fh.get());
    try {
      if (r == null) {
        r = resolve(path).open();
      }
      ByteBuffer dst = MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
      return r.read(offset, dst);
    } catch (FsError e) {
      return fail("read", path, e);
    } catch (RuntimeException e) {
      return bug("read", path, e);
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    FileReader r = openFiles.remove(fi.fh.get());
    if (r != null) {
      r.release();
    }
    return 0;
  }

  @Override
  public int getxattr(String path, String name, Pointer value, @size_t long size) {
    try {
      byte[] v = OverlayXattrAudience.value(resolve(path), name, callerUid());
      if (v == null) {
        return -FsError.ENODATA;
      }
      if (size == 0) {
        return v.length;
      }
      if (size < v.length) {
        return -FsError.ERANGE;
      }
      value.put(0, v, 0, v.length);
      return v.length;
    } catch (FsError e) {
      return fail("getxattr", path, e);
    } catch (RuntimeException e) {
      return bug("getxattr", path, e);
    }
  }

  private long callerUid() {
    return getContext().uid.get();
  }

  @Override
  public int listxattr(String path, Pointer list, @size_t long size) {
    try {
      List<String> names = OverlayXattrAudience.names(resolve(path), callerUid());
      int total = 0;
      for (String n : names) {
        total += n.getBytes(StandardCharsets.UTF_8).length + 1;
      }
      if (size == 0) {
        return total;
      }
      if (size < total) {
        return -FsError.ERANGE;
      }
      long pos = 0;
      for (String n : names) {
        byte[] b = n.getBytes(StandardCharsets.UTF_8);
        list.put(pos, b, 0, b.length);
        list.putByte(pos + b.length, (byte) 0);
        pos += b.length + 1;
      }
      return total;
    } catch (FsError e) {
      return fail("listxattr", path, e);
    } catch (RuntimeException e) {
      return bug("listxattr", path, e);
    }
  }

  @Override
  public int create(String path, long mode, FuseFileInfo fi) {
    try {
      int slash = path.lastIndexOf('/');
      FsNode parent = resolve(slash <= 0 ? "/" : path.substring(0, slash));
      parent.create(path.substring(slash + 1));
      return -FsError.EROFS;
    } catch (FsError e) {
      return fail("create", path, e);
    } catch (RuntimeException e) {
      return bug("create", path, e);
    }
  }

  @Override
  public int rmdir(String path) {
    try {
      int slash = path.lastIndexOf('/');
      FsNode parent = resolve(slash <= 0 ? "/" : path.substring(0, slash));
      parent.removeDirectory(path.substring(slash + 1));
      return 0;
    } catch (FsError e) {
      return fail("rmdir", path, e);
    } catch (RuntimeException e) {
      return bug("rmdir", path, e);
    }
  }

  @Override
  public int statfs(String path, Statvfs st) {
    st.f_bsize.set(BLOCK_SIZE);
    st.f_frsize.set(BLOCK_SIZE);
    st.f_namemax.set(255);
    return 0;
  }

  // ---- everything that would change the tree: a layer is immutable ----

  @Override
  public int mkdir(String path, long mode) {
    return -FsError.EROFS;
  }

  @Override
  public int mknod(String path, long mode, long rdev) {
    return -FsError.EROFS;
  }

  @Override
  public int unlink(String path) {
    return -FsError.EROFS;
  }

  @Override
  public int symlink(String oldpath, String newpath) {
    return -FsError.EROFS;
  }

  @Override
  public int rename(String oldpath, String newpath) {
    return -FsError.EROFS;
  }

  @Override
  public int link(String oldpath, String newpath) {
    return -FsError.EROFS;
  }

  @Override
  public int chmod(String path, long mode) {
    return -FsError.EROFS;
  }

  @Override
  public int chown(String path, long uid, long gid) {
    return -FsError.EROFS;
  }

  @Override
  public int truncate(String path, long size) {
    return -FsError.EROFS;
  }

  @Override
  public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    return -FsError.EROFS;
  }

  @Override
  public int setxattr(String path, String name, Pointer value, long size, int flags) {
    return -FsError.EROFS;
  }

  @Override
  public int removexattr(String path, String name) {
    return -FsError.EROFS;
  }

  @Override
  public int utimens(String path, ru.serce.jnrfuse.struct.Timespec[] timespec) {
    return -FsError.EROFS;
  }

  @Override
  protected String getFSName() {
    return "stargz-registry-storage";
  }
}
