package org.stargzstore.fs.prefetch.python;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The imports a compiled module (.pyc, CPython 3.7+) runs when it is imported: those of its
 * module-level code and of the class bodies it defines ({@code email.message.Message} imports
 * {@code email.iterators} in its body). Imports inside functions run later, if ever, so a
 * prefetcher following these fetches what the import itself opens.
 *
 * <p>Known versions (magic numbers of 3.7 to 3.13) are read exactly from the module code's
 * bytecode. A pyc of a newer Python (3.14 on, whose opcode numbers are not known here) is read
 * with the 3.11+ code object layout, and its answer is every module-level {@code co_names} entry
 * that looks like a module name, as {@code PythonImport(name, 0, [])}: a few names are attributes
 * or globals rather than modules, which costs little because the prefetcher only fetches names that
 * exist as modules in the image. {@code from __future__ import} is not reported.
 */
public final class PycImports {

  /** Bigger pycs are refused: the largest in a CPython install is well under 1 MiB. */
  public static final int MAX_PYC_BYTES = 8 << 20;

  private static final int HEADER_BYTES = 16;

  private PycImports() {}

  /**
   * The module-level imports of {@code pyc}, first first, without duplicates.
   *
   * @throws PythonModuleFormatException when the bytes are not a pyc it can read (bad magic,
   *     truncated, nested too deep, too large), saying which
   */
  public static List<PythonImport> of(byte[] pyc) throws PythonModuleFormatException {
    if (pyc.length > MAX_PYC_BYTES) {
      throw new PythonModuleFormatException("pyc of " + pyc.length + " bytes is over the "
          + MAX_PYC_BYTES + "-byte limit");
    }
    if (pyc.length < HEADER_BYTES) {
      throw new PythonModuleFormatException("truncated pyc: " + pyc.length
          + " bytes, shorter than the " + HEADER_BYTES + "-byte header");
    }
    int magic = (pyc[0] & 0xff) | (pyc[1] & 0xff) << 8;
    if (pyc[2] != '\r' || pyc[3] != '\n' || magic > BytecodeDialect.LAST_PLAUSIBLE_MAGIC) {
      throw new PythonModuleFormatException(String.format(
          "bad magic %02x %02x %02x %02x: not a CPython pyc", pyc[0], pyc[1], pyc[2], pyc[3]));
    }
    if (magic < BytecodeDialect.FIRST_SUPPORTED_MAGIC) {
      throw new PythonModuleFormatException("pyc magic " + magic
          + " is from a Python older than 3.7 (magic " + BytecodeDialect.FIRST_SUPPORTED_MAGIC
          + "), not read");
    }
    Optional<BytecodeDialect> dialect = BytecodeDialect.forMagic(magic);
    CodeLayout layout = dialect.map(BytecodeDialect::layout).orElse(CodeLayout.PY311);
    if (!(Marshal.read(pyc, HEADER_BYTES, layout) instanceof CodeObject module)) {
      throw new PythonModuleFormatException("pyc (magic " + magic
          + ") holds no code object after its header");
    }
    if (dialect.isEmpty()) {
      return namesOf(module);
    }
    Set<PythonImport> found = new LinkedHashSet<>();
    collect(module, dialect.get(), found);
    return List.copyOf(found);
  }

  /** The imports of {@code code} and of the class bodies it defines, depth first. */
  private static void collect(CodeObject code, BytecodeDialect dialect,
      Set<PythonImport> found) {
    found.addAll(ImportInstructions.of(code, dialect));
    for (Object c : code.consts()) {
      if (c instanceof CodeObject nested && nested.runsWhenDefined()) {
        collect(nested, dialect, found);
      }
    }
  }

  private static List<PythonImport> namesOf(CodeObject module) {
    Set<PythonImport> found = new LinkedHashSet<>();
    for (Object name : module.names()) {
      if (name instanceof String s && PythonNames.isDotted(s)
          && !(s.startsWith("__") && s.endsWith("__"))) {
        found.add(PythonImport.of(s));
      }
    }
    return List.copyOf(found);
  }
}
