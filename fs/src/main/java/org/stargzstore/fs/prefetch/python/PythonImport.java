package org.stargzstore.fs.prefetch.python;

import java.util.List;
import java.util.Objects;

/**
 * One import statement of a module's body, as the interpreter executes it: {@code import a.b} =
 * ("a.b", 0, []), {@code from a.b import c, d} = ("a.b", 0, ["c", "d"]), {@code from . import x} =
 * ("", 1, ["x"]), {@code from ..p import q} = ("p", 2, ["q"]), {@code from a import *} = ("a", 0,
 * ["*"]). The prefetcher resolves it against an image's {@code sys.path} to know which files the
 * import will open next.
 *
 * @param module the dotted module name after the dots of a relative import; empty only when
 *     {@code level > 0}
 * @param level 0 for an absolute import, else the number of leading dots
 * @param fromNames the names after {@code from ... import}; empty for {@code import a.b}
 */
public record PythonImport(String module, int level, List<String> fromNames) {

  public PythonImport {
    Objects.requireNonNull(module, "module");
    if (level < 0) {
      throw new IllegalArgumentException(
          "negative import level " + level + " for '" + module + "'");
    }
    if (module.isEmpty() && level == 0) {
      throw new IllegalArgumentException("an absolute import needs a module name");
    }
    fromNames = List.copyOf(fromNames);
  }

  /** {@code import module}: absolute, no from-list. */
  public static PythonImport of(String module) {
    return new PythonImport(module, 0, List.of());
  }
}
