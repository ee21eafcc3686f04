package org.stargzstore.fs.prefetch.python;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the imports in one code object's bytecode: every {@code IMPORT_NAME namei} takes its module
 * from {@code co_names[namei]} and its level and from-list from the two constants loaded just
 * before it ({@code LOAD_CONST level; LOAD_CONST fromlist; IMPORT_NAME name} in every version
 * read here). When those operands are not there, the import is still reported, absolute and
 * without from-names. Nested code objects (functions, classes) are not entered.
 */
final class ImportInstructions {

  /** More leading dots than any package is deep: the operand is not a level. */
  private static final int MAX_LEVEL = 255;

  private ImportInstructions() {}

  static List<PythonImport> of(CodeObject code, BytecodeDialect dialect) {
    byte[] units = code.code();
    Set<PythonImport> found = new LinkedHashSet<>();
    Object[] loaded = new Object[2];
    int loadedRun = 0;
    int extended = 0;
    for (int i = 0; i + 1 < units.length; i += 2) {
      int op = units[i] & 0xff;
      int arg = (units[i + 1] & 0xff) | extended;
      if (dialect.inlineCaches() && op == 0) {
        continue;
      }
      if (op == dialect.extendedArg()) {
        extended = arg << 8;
        continue;
      }
      extended = 0;
      if (op == dialect.loadConst() && arg < code.consts().size()) {
        loaded[0] = loaded[1];
        loaded[1] = code.consts().get(arg);
        loadedRun++;
        continue;
      }
      if (op == dialect.importName() && arg < code.names().size()
          && code.names().get(arg) instanceof String module) {
        PythonImport anImport = loadedRun >= 2 ? withOperands(module, loaded[0], loaded[1]) : null;
        if (anImport == null && !module.isEmpty()) {
          anImport = PythonImport.of(module);
        }
        if (anImport != null && !isFutureStatement(anImport)) {
          found.add(anImport);
        }
      }
      loadedRun = 0;
    }
    return List.copyOf(found);
  }

  /** {@code from __future__ import x} names compiler features; {@code import __future__} is real.
   */
  private static boolean isFutureStatement(PythonImport anImport) {
    return anImport.level() == 0 && anImport.module().equals("__future__")
        && !anImport.fromNames().isEmpty();
  }

  /** The import for these operands, or null when they are not a level and a from-list. */
  private static PythonImport withOperands(String module, Object level, Object fromList) {
    if (!(level instanceof Long l) || l < 0 || l > MAX_LEVEL) {
      return null;
    }
    int levelValue = l.intValue();
    if (module.isEmpty() && levelValue == 0) {
      return null;
    }
    List<String> names = new ArrayList<>();
    if (fromList instanceof List<?> items) {
      for (Object item : items) {
        if (!(item instanceof String name)) {
          return null;
        }
        names.add(name);
      }
    } else if (fromList != Marshal.NONE) {
      return null;
    }
    return new PythonImport(module, levelValue, names);
  }
}
