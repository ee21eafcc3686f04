package org.stargzstore.fs.prefetch.python;

import java.util.List;

/**
 * The parts of a marshalled code object an import scan needs: its flags, bytecode, constants and
 * names. Constants are {@link Marshal} values ({@code Marshal.NONE}, Long, String, List for
 * tuples, nested CodeObject, ...).
 */
record CodeObject(int flags, byte[] code, List<Object> consts, List<Object> names) {
  /** {@code CO_OPTIMIZED | CO_NEWLOCALS}: set for functions (and comprehensions, lambdas). */
  private static final int FUNCTION_FLAGS = 0x1 | 0x2;

  CodeObject {
    code = code.clone();
    consts = List.copyOf(consts);
    names = List.copyOf(names);
  }

  /**
   * A class body (or the module's code): it runs when the statement defining it runs, not when
   * something calls it later as a function's code does.
   */
  boolean runsWhenDefined() {
    return (flags & FUNCTION_FLAGS) == 0;
  }

  @Override
  public byte[] code() {
    return code.clone();
  }
}
