package org.stargzstore.fs.prefetch.python;

import java.util.Optional;

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
 */
record BytecodeDialect(
    String version, CodeLayout layout, int loadConst, int importName, int extendedArg,
    boolean inlineCaches) {

  /** The first magic number of 3.7: older pycs have a 12-byte header and are not read. */
  static final int FIRST_SUPPORTED_MAGIC = 3390;
  /** The first magic number after the newest version known here (3.14 alpha 1). */
  static final int FIRST_UNKNOWN_MAGIC = 3600;
  /** Beyond this a "magic" is noise rather than a Python from the future (3.x = 2900 + 50x). */
  static final int LAST_PLAUSIBLE_MAGIC = 4999;

  private static final BytecodeDialect PY37 =
      new BytecodeDialect("3.7", CodeLayout.PY37, 100, 108, 144, false);

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
      String version = magic < 3420 ? "3.8" : magic < 3430 ? "3.9" : "3.10";
      return Optional.of(new BytecodeDialect(version, CodeLayout.PY38, 100, 108, 144, false));
    }
    if (magic < 3550) {
      String version = magic < 3500 ? "3.11" : "3.12";
      return Optional.of(new BytecodeDialect(version, CodeLayout.PY311, 100, 108, 144, true));
    }
    return Optional.of(new BytecodeDialect("3.13", CodeLayout.PY311, 83, 75, 71, true));
  }
}
