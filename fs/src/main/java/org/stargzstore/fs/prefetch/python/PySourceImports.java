package org.stargzstore.fs.prefetch.python;

import java.util.ArrayList;
import java.util.List;

/** STUB. */
public final class PySourceImports {
  private PySourceImports() {}

  public static List<PythonImport> of(String source) {
    List<PythonImport> out = new ArrayList<>();
    for (String line : source.split("[\\n;]")) {
      String l = line.strip();
      if (l.startsWith("import ")) {
        for (String n : l.substring(7).split(",")) {
          out.add(new PythonImport(n.strip().split(" ")[0], 0, List.of()));
        }
      }
    }
    return out;
  }
}
