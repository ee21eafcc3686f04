package org.stargzstore.fs.prefetch.python;

import java.util.List;

/**
 * The parts of a marshalled code object an import scan needs: its bytecode, constants and names.
 * Constants are {@link Marshal} values ({@code Marshal.NONE}, Long, String, List for tuples, nested
 * CodeObject, ...).
 */
record CodeObject(byte[] code, List<Object> consts, List<Object> names) {

  CodeObject {
    code = code.clone();
    consts = List.copyOf(consts);
    names = List.copyOf(names);
  }

  @Override
  public byte[] code() {
    return code.clone();
  }
}
