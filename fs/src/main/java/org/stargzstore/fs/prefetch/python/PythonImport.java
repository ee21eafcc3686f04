package org.stargzstore.fs.prefetch.python;

import java.util.List;

/** STUB (replaced by the parser branch). */
public record PythonImport(String module, int level, List<String> fromNames) {
  public PythonImport {
    fromNames = List.copyOf(fromNames);
  }
}
