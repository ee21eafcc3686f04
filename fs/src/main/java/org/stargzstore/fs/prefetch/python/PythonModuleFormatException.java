package org.stargzstore.fs.prefetch.python;

import java.io.IOException;

/**
 * The bytes given as a compiled Python module are not one this package can read (bad magic,
 * truncated, too deep, too large): the message says which. Checked, so a prefetcher reading files
 * of an image it did not build has to decide what a bad file costs it (nothing: it skips it).
 */
public final class PythonModuleFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  public PythonModuleFormatException(String message) {
    super(message);
  }
}
