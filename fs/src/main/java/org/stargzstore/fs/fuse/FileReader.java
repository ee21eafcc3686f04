package org.stargzstore.fs.fuse;

import java.nio.ByteBuffer;

/** An open regular file: positional reads into the kernel's buffer. */
@FunctionalInterface
public interface FileReader {

  /**
   * Fills {@code dst} (up to its remaining capacity) with the file's bytes from {@code offset};
   * returns the number of bytes read, fewer only at end of file.
   */
  int read(long offset, ByteBuffer dst) throws FsError;

  /** Called when the last descriptor of this open file is closed. */
  default void release() {}
}
