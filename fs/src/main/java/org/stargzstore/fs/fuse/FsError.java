package org.stargzstore.fs.fuse;

/**
 * A file-system operation's failure as an errno, with the reason for the log. Thrown by
 * {@link FsNode} implementations; the FUSE binding turns it into {@code -errno}.
 */
public final class FsError extends Exception {
  private static final long serialVersionUID = 1L;
  public static final int ENOENT = 2;
  public static final int EIO = 5;
  public static final int EACCES = 13;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int EROFS = 30;
  public static final int ERANGE = 34;
  public static final int ENODATA = 61;

  private final int errno;

  public FsError(int errno, String reason) {
    super(reason, null, false, false);
    this.errno = errno;
  }

  public FsError(int errno, String reason, Throwable cause) {
    super(reason, cause, false, false);
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  public static FsError noEntry(String what) {
    return new FsError(ENOENT, what);
  }
}
