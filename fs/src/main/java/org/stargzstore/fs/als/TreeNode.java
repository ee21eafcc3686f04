package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.stargzstore.estargz.ChunkDigestMismatchException;
import org.stargzstore.fs.fuse.FileReader;
import org.stargzstore.fs.fuse.FsError;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.Stat;
import org.stargzstore.fs.tree.Inode;

/** A file, directory, link or device inside a layer's {@code diff} tree. */
final class TreeNode implements FsNode {
  private final Inode inode;
  private final FileContent content;
  private final AccessLog accesses;

  TreeNode(Inode inode, FileContent content, AccessLog accesses) {
    this.inode = inode;
    this.content = content;
    this.accesses = accesses;
  }

  static Stat statOf(Inode n) {
    return new Stat(n.ino(), n.mode(), n.nlink(), n.uid(), n.gid(), n.size(), n.modTime(),
        n.rdevMajor(), n.rdevMinor());
  }

  @Override
  public Stat stat() {
    return statOf(inode);
  }

  @Override
  public FsNode lookup(String name) throws FsError {
    if (!inode.isDirectory()) {
      throw new FsError(FsError.ENOTDIR, "not a directory");
    }
    Inode child = inode.child(name);
    if (child == null) {
      throw FsError.noEntry(name);
    }
    return new TreeNode(child, content, accesses);
  }

  @Override
  public List<DirEntry> list() throws FsError {
    if (!inode.isDirectory()) {
      throw new FsError(FsError.ENOTDIR, "not a directory");
    }
    List<DirEntry> out = new ArrayList<>(inode.children().size());
    for (Map.Entry<String, Inode> e : inode.children().entrySet()) {
      out.add(new DirEntry(e.getKey(), e.getValue().ino(), e.getValue().mode()));
    }
    return out;
  }

  @Override
  public FileReader open() throws FsError {
    if (!inode.isRegular()) {
      throw new FsError(inode.isDirectory() ? FsError.EISDIR : FsError.EACCES,
          "not a regular file");
    }
    if (accesses.opened(inode.entry().name())) {
      content.fileOpenedFirstTime();
    }
    return (offset, dst) -> {
      content.timeline().fileRead();
      try {
        return content.read(inode.entry(), offset, dst);
      } catch (ChunkDigestMismatchException e) {
        throw new FsError(FsError.EIO, "verification failed: " + e.getMessage(), e);
      } catch (IOException e) {
        throw new FsError(FsError.EIO, "reading " + inode.entry().name() + ": " + e.getMessage(),
            e);
      }
    };
  }

  @Override
  public String readlink() throws FsError {
    if ((inode.mode() & 0170000) != Inode.S_IFLNK) {
      throw new FsError(FsError.EINVAL, "not a symlink");
    }
    return inode.entry().linkName();
  }

  @Override
  public byte[] xattr(String name) {
    return inode.xattr(name);
  }

  @Override
  public List<String> xattrNames() {
    return List.copyOf(inode.xattrNames());
  }
}
