package org.stargzstore.fs.prefetch.python;

/**
 * The order of a code object's fields in {@code marshal} data, which changed twice since 3.7
 * (CPython {@code Python/marshal.c}, {@code r_object} case {@code TYPE_CODE}). Only the module's
 * code, constants and names are kept; the rest is read to stay in step with the refs list.
 */
enum CodeLayout {
  /** 3.7: argcount, kwonlyargcount, nlocals, stacksize, flags; code, consts, names, varnames,
   *  freevars, cellvars, filename, name; firstlineno; lnotab. */
  PY37(5, 5, 1),
  /** 3.8 to 3.10: as 3.7 with posonlyargcount after argcount (3.10 calls lnotab linetable). */
  PY38(6, 5, 1),
  /** 3.11 on: argcount, posonlyargcount, kwonlyargcount, stacksize, flags; code, consts, names,
   *  localsplusnames, localspluskinds, filename, name, qualname; firstlineno; linetable,
   *  exceptiontable. */
  PY311(5, 5, 2);

  /** int32 fields before {@code co_code}. */
  final int leadingInts;
  /** Objects between {@code co_names} and {@code co_firstlineno}. */
  final int objectsAfterNames;
  /** Objects after {@code co_firstlineno}. */
  final int trailingObjects;

  CodeLayout(int leadingInts, int objectsAfterNames, int trailingObjects) {
    this.leadingInts = leadingInts;
    this.objectsAfterNames = objectsAfterNames;
    this.trailingObjects = trailingObjects;
  }
}
