package org.stargzstore.fs.prefetch.python;

import java.util.List;

/** STUB. */
public final class PycImports {
  private PycImports() {}

  public static List<PythonImport> of(byte[] pyc) throws PythonModuleFormatException {
    return List.of();
  }
}
