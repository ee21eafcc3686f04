package org.stargzstore.fs.fuse.kernel;

/** Linux errno values the session loop and the operations answer with. */
final class Errno {
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int EBADF = 9;
  static final int EAGAIN = 11;
  static final int ENODEV = 19;
  static final int ENOTDIR = 20;
  static final int EROFS = 30;
  static final int ENOSYS = 38;
  static final int ECONNABORTED = 103;

  private Errno() {}
}
