package org.stargzstore.fs.prefetch.python;

import java.util.Optional;
import java.util.Set;

/**
 * What a pyc's magic number says about how to read it: the code object layout and the opcode
 * numbers that matter for finding imports. Opcode numbers are from each version's
 * {@code Lib/opcode.py} (3.7 to 3.12) and {@code Include/opcode_ids.h} (3.13), checked against the
 * interpreters' own {@code opcode.opmap}; magic ranges from
 * {@code importlib/_bootstrap_external.py}.
 *
 * @param version "3.N", for messages
 * @param layout the code object's field order
 * @param loadConst LOAD_CONST
 * @param importName IMPORT_NAME
 * @param extendedArg EXTENDED_ARG
 * @param inlineCaches whether CACHE units (opcode 0) follow some instructions (3.11 on)
 * @param loadName LOAD_NAME (how module and class bodies load {@code ImportError})
 * @param excMatch the instruction an {@code except X:} clause tests with: COMPARE_OP (3.7,
 *     3.8, with {@code excMatchArg} 10, "exception match"), JUMP_IF_NOT_EXC_MATCH (3.9, 3.10),
 *     CHECK_EXC_MATCH (3.11 on)
 * @param excMatchArg the argument {@code excMatch} needs, or -1 for any
 * @param handlerEnds what ends an except clause's body on each of its paths: POP_EXCEPT,
 *     RAISE_VARARGS, RERAISE (3.9 on), END_FINALLY (3.7, 3.8)
 * @param popJumpIfFalse POP_JUMP_IF_FALSE (3.11: POP_JUMP_FORWARD_IF_FALSE), the jump past an
 *     {@code if} block
 * @param jumps how its argument gives the target
 */
record BytecodeDialect(
    String version, CodeLayout layout, int loadConst, int importName, int extendedArg,
    boolean inlineCaches, int loadName, int excMatch, int excMatchArg, Set<Integer> handlerEnds,
    int popJumpIfFalse, Jumps jumps) {

  /** How a jump's argument says where it goes. */
  enum Jumps {
    /** 3.7 to 3.9: the target's offset in bytes. */
    ABSOLUTE_BYTES,
    /** 3.10: the target's offset in 2-byte code units. */
    ABSOLUTE_UNITS,
    /** 3.11 on: code units forward from the end of the jump (its inline caches included). */
    RELATIVE_UNITS
  }

  BytecodeDialect {
    handlerEnds = Set.copyOf(handlerEnds);
  }

  /** The code unit a jump at {@code start} (ending at {@code end}) with {@code arg} goes to. */
  int jumpTarget(int end, int arg) {
    return switch (jumps) {
      case ABSOLUTE_BYTES -> arg / 2;
      case ABSOLUTE_UNITS -> arg;
      case RELATIVE_UNITS -> end + arg;
    };
  }

  /** The first magic number of 3.7: older pycs have a 12-byte header and are not read. */
  static final int FIRST_SUPPORTED_MAGIC = 3390;
  /** The first magic number after the newest version known here (3.14 alpha 1). */
  static final int FIRST_UNKNOWN_MAGIC = 3600;
  /** Beyond this a "magic" is noise rather than a Python from the future (3.x = 2900 + 50x). */
  static final int LAST_PLAUSIBLE_MAGIC = 4999;

  private static final BytecodeDialect PY37 =
      new BytecodeDialect("3.7", CodeLayout.PY37, 100, 108, 144, false, 101, 107, 10,
          Set.of(89, 130, 88), 114, Jumps.ABSOLUTE_BYTES);

  /**
   * The dialect of a known magic number (3.7 to 3.13), empty otherwise. A pre-release magic reads
   * as its version's release; the few whose code objects differed (3.11a1 to a6) then fail with a
   * clear marshal error rather than give wrong names.
   */
  static Optional<BytecodeDialect> forMagic(int magic) {
    if (magic < FIRST_SUPPORTED_MAGIC || magic >= FIRST_UNKNOWN_MAGIC) {
      return Optional.empty();
    }
    if (magic < 3400) {
      return Optional.of(PY37);
    }
    if (magic < 3450) {
      if (magic < 3420) {
        return Optional.of(new BytecodeDialect("3.8", CodeLayout.PY38, 100, 108, 144, false, 101,
            107, 10, Set.of(89, 130, 88), 114, Jumps.ABSOLUTE_BYTES));
      }
      if (magic < 3430) {
        return Optional.of(new BytecodeDialect("3.9", CodeLayout.PY38, 100, 108, 144, false, 101,
            121, -1, Set.of(89, 130, 48), 114, Jumps.ABSOLUTE_BYTES));
      }
      return Optional.of(new BytecodeDialect("3.10", CodeLayout.PY38, 100, 108, 144, false, 101,
          121, -1, Set.of(89, 130, 119), 114, Jumps.ABSOLUTE_UNITS));
    }
    if (magic < 3550) {
      String version = magic < 3500 ? "3.11" : "3.12";
      return Optional.of(new BytecodeDialect(version, CodeLayout.PY311, 100, 108, 144, true, 101,
          36, -1, Set.of(89, 130, 119), 114, Jumps.RELATIVE_UNITS));
    }
    return Optional.of(new BytecodeDialect("3.13", CodeLayout.PY311, 83, 75, 71, true, 92, 7, -1,
        Set.of(31, 101, 102), 97, Jumps.RELATIVE_UNITS));
  }
}
