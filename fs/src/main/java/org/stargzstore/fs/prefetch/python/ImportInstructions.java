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
 *
 * <p>Two kinds of import are left out because they do not run when the module is imported:
 * those in an {@code except ImportError:} (or {@code ModuleNotFoundError}) clause, a fallback
 * for when the import tried first fails ({@code random} falls back to {@code hashlib} when
 * {@code _sha512} is missing, {@code threading} to {@code _threading_local}), from the clause's
 * test to where its body ends ({@code POP_EXCEPT}, a raise); and those in the block of
 * {@code if __name__ == '__main__':}, which runs when the module is run as a program
 * ({@code http.server} imports {@code argparse} there): from the jump that follows loading the
 * constant {@code '__main__'} to where it goes.
 */
final class ImportInstructions {

  /** More leading dots than any package is deep: the operand is not a level. */
  private static final int MAX_LEVEL = 255;
  /** Instructions from loading the exception class to the test: a tuple of a few classes. */
  private static final int MATCH_WITHIN = 4;
  /** Instructions from loading {@code '__main__'} to the jump: compare (and 3.13's TO_BOOL). */
  private static final int JUMP_WITHIN = 3;
  private static final java.util.Set<String> IMPORT_ERRORS =
      java.util.Set.of("ImportError", "ModuleNotFoundError");

  private ImportInstructions() {}

  /**
   * One instruction: opcode and argument (EXTENDED_ARG folded in), where it starts (its
   * EXTENDED_ARG prefix included) and ends (its inline caches included), in 2-byte code units.
   */
  private record Instruction(int op, int arg, int start, int end) {}

  static List<PythonImport> of(CodeObject code, BytecodeDialect dialect) {
    List<Instruction> ins = decode(code.code(), dialect);
    Set<PythonImport> found = new LinkedHashSet<>();
    boolean inFallback = false;
    int skipFrom = -1;
    int skipTo = -1;
    for (int k = 0; k < ins.size(); k++) {
      Instruction i = ins.get(k);
      if (i.start() >= skipFrom && i.start() < skipTo) {
        continue;
      }
      if (i.op() == dialect.loadConst() && i.arg() < code.consts().size()
          && "__main__".equals(code.consts().get(i.arg()))) {
        for (int j = k + 1; j < Math.min(ins.size(), k + 1 + JUMP_WITHIN); j++) {
          Instruction jump = ins.get(j);
          if (jump.op() == dialect.popJumpIfFalse()) {
            skipFrom = jump.start();
            skipTo = dialect.jumpTarget(jump.end(), jump.arg());
            break;
          }
        }
      } else if (i.op() == dialect.loadName() && i.arg() < code.names().size()
          && IMPORT_ERRORS.contains(code.names().get(i.arg()))
          && testsAnException(ins, k + 1, dialect)) {
        inFallback = true;
      } else if (dialect.handlerEnds().contains(i.op())) {
        inFallback = false;
      } else if (i.op() == dialect.importName() && !inFallback && i.arg() < code.names().size()
          && code.names().get(i.arg()) instanceof String module) {
        PythonImport anImport = k >= 2 ? operands(module, ins.get(k - 2), ins.get(k - 1), code,
            dialect) : null;
        if (anImport == null && !module.isEmpty()) {
          anImport = PythonImport.of(module);
        }
        if (anImport != null && !isFutureStatement(anImport)) {
          found.add(anImport);
        }
      }
    }
    return List.copyOf(found);
  }

  private static List<Instruction> decode(byte[] units, BytecodeDialect dialect) {
    List<Instruction> out = new ArrayList<>(units.length / 2);
    int extended = 0;
    int start = -1;
    for (int i = 0; i + 1 < units.length; i += 2) {
      int op = units[i] & 0xff;
      int arg = (units[i + 1] & 0xff) | extended;
      int unit = i / 2;
      if (dialect.inlineCaches() && op == 0) {
        if (!out.isEmpty()) {
          Instruction last = out.remove(out.size() - 1);
          out.add(new Instruction(last.op(), last.arg(), last.start(), unit + 1));
        }
        continue;
      }
      if (start < 0) {
        start = unit;
      }
      if (op == dialect.extendedArg()) {
        extended = arg << 8;
        continue;
      }
      extended = 0;
      out.add(new Instruction(op, arg, start, unit + 1));
      start = -1;
    }
    return out;
  }

  /** Whether an exception test follows within a few instructions of {@code from}. */
  private static boolean testsAnException(List<Instruction> ins, int from,
      BytecodeDialect dialect) {
    for (int k = from; k < Math.min(ins.size(), from + MATCH_WITHIN); k++) {
      Instruction i = ins.get(k);
      if (i.op() == dialect.excMatch()
          && (dialect.excMatchArg() < 0 || i.arg() == dialect.excMatchArg())) {
        return true;
      }
    }
    return false;
  }

  /** The import for {@code LOAD_CONST level; LOAD_CONST fromlist}, or null if they are not. */
  private static PythonImport operands(String module, Instruction level, Instruction fromList,
      CodeObject code, BytecodeDialect dialect) {
    if (level.op() != dialect.loadConst() || fromList.op() != dialect.loadConst()
        || level.arg() >= code.consts().size() || fromList.arg() >= code.consts().size()) {
      return null;
    }
    return withOperands(module, code.consts().get(level.arg()), code.consts().get(fromList.arg()));
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
