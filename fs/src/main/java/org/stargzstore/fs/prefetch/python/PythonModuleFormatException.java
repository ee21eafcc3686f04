package org.stargzstore.fs.prefetch.python;

import java.io.IOException;

/** STUB. */
public final class PythonModuleFormatException extends IOException {
  public PythonModuleFormatException(String m) {
    super(m);
  }
}
