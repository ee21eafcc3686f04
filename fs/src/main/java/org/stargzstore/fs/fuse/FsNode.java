package org.stargzstore.fs.fuse;

import java.util.List;

/**
 * A node of the served tree as the FUSE binding sees it. Directories, files and links implement
 * what applies to them; the defaults answer as a read-only file system does. Implementations
 * must be thread-safe: the kernel issues operations from many threads.
 */
public interface FsNode {

  Stat stat() throws FsError;

  /** The child {@code name} of a directory; may block while it is resolved. */
  default FsNode lookup(String name) throws FsError {
    throw new FsError(FsError.ENOTDIR, "not a directory");
  }

  /** A directory's entries, without {@code .} and {@code ..}. */
  default List<DirEntry> list() throws FsError {
    throw new FsError(FsError.ENOTDIR, "not a directory");
  }

  default FileReader open() throws FsError {
    throw new FsError(stat().isDirectory() ? FsError.EISDIR : FsError.EACCES, "not a regular file");
  }

  /**
   * True if a file's bytes never change while the mount lives (layer content), so the kernel may
   * keep its pages across opens. Files whose content can change (the ALS's small generated
   * files) answer false and are read afresh at each open.
   */
  default boolean contentIsImmutable() {
    return true;
  }

  default String readlink() throws FsError {
    throw new FsError(FsError.EINVAL, "not a symlink");
  }

  /** One extended attribute, or {@code null} if the node has none of that name. */
  default byte[] xattr(String name) throws FsError {
    return null;
  }

  default List<String> xattrNames() throws FsError {
    return List.of();
  }

  /** {@code open(name, O_CREAT)} in this directory. Read-only by default. */
  default void create(String name) throws FsError {
    throw new FsError(FsError.EROFS, "read-only file system");
  }

  /** {@code rmdir(name)} in this directory. Read-only by default. */
  default void removeDirectory(String name) throws FsError {
    throw new FsError(FsError.EROFS, "read-only file system");
  }

  /** A directory entry: name, inode number and type bits (for {@code d_type}). */
  record DirEntry(String name, long ino, int mode) {}
}
