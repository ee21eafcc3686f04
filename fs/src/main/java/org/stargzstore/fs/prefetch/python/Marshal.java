package org.stargzstore.fs.prefetch.python;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A bounded reader of CPython's {@code marshal} format (version 4 and 5, CPython
 * {@code Python/marshal.c}), enough to get a pyc's code objects. Values: {@link Opaque} (None,
 * other singletons, and dicts and slices, read but not kept), Boolean, Long, Double,
 * byte[], String, unmodifiable List (tuple, list, set, frozenset), {@link CodeObject}.
 *
 * <p>Objects written with the FLAG_REF bit get a slot in the refs list, and {@code 'r'} reads it
 * back by index: a container or code object takes its slot before its children (as CPython's
 * {@code r_ref_reserve}), everything else after itself. Names in {@code co_names} are very often
 * such refs to strings met earlier in nested code, so the order must match CPython's exactly.
 *
 * <p>Hostile input is cut short: nesting deeper than {@link #MAX_DEPTH}, more than
 * {@link #MAX_OBJECTS} objects, or a length beyond the remaining bytes fail with a
 * {@link PythonModuleFormatException} naming the limit.
 */
final class Marshal {

  static final int MAX_DEPTH = 200;
  static final int MAX_OBJECTS = 1_000_000;

  /** Python values with no Java counterpart; dicts, slices and ints beyond a long are read but
   *  not kept (an import scan needs none of them, and big ints would cost quadratic time). */
  enum Opaque { NONE, ELLIPSIS, STOP_ITERATION, DICT, SLICE, BIG_INT }

  static final Opaque NONE = Opaque.NONE;
  /** TYPE_NULL: ends a dict; anywhere else the data is bad. */
  private static final Object NULL = new Object();
  /** A refs slot taken by a container whose children are still being read. */
  private static final Object RESERVED = new Object();

  private static final int FLAG_REF = 0x80;
  /** Four 15-bit digits fit a long. */
  private static final int MAX_LONG_DIGITS = 4;

  private final byte[] data;
  private final CodeLayout layout;
  private final List<Object> refs = new ArrayList<>();
  private int pos;
  private int depth;
  private int objects;

  private Marshal(byte[] data, int offset, CodeLayout layout) {
    this.data = data;
    this.pos = offset;
    this.layout = layout;
  }

  /** Reads the one object at {@code offset}: a pyc's module code object. */
  static Object read(byte[] data, int offset, CodeLayout layout)
      throws PythonModuleFormatException {
    return new Marshal(data, offset, layout).object();
  }

  private Object object() throws PythonModuleFormatException {
    Object value = nullable();
    if (value == NULL) {
      throw bad("a NULL object where a value is expected");
    }
    return value;
  }

  private Object nullable() throws PythonModuleFormatException {
    int at = pos;
    int code = u8();
    if (++objects > MAX_OBJECTS) {
      throw bad("more than " + MAX_OBJECTS + " objects (limit)");
    }
    if (++depth > MAX_DEPTH) {
      throw bad("objects nested deeper than " + MAX_DEPTH + " (limit)");
    }
    boolean ref = (code & FLAG_REF) != 0;
    char type = (char) (code & ~FLAG_REF);
    Object value = switch (type) {
      case '0' -> NULL;
      case 'N' -> NONE;
      case 'F' -> Boolean.FALSE;
      case 'T' -> Boolean.TRUE;
      case 'S' -> Opaque.STOP_ITERATION;
      case '.' -> Opaque.ELLIPSIS;
      case 'i' -> leaf(ref, (long) i32());
      case 'I' -> leaf(ref, i64());
      case 'l' -> leaf(ref, bigLong());
      case 'f' -> leaf(ref, floatText());
      case 'g' -> leaf(ref, Double.longBitsToDouble(i64()));
      case 'x' -> {
        floatText();
        yield leaf(ref, floatText());
      }
      case 'y' -> {
        i64();
        yield leaf(ref, Double.longBitsToDouble(i64()));
      }
      case 's' -> leaf(ref, bytes(length(i32(), "bytes")));
      case 'a', 'A' -> leaf(ref, latin1(length(i32(), "string")));
      case 'z', 'Z' -> leaf(ref, latin1(u8()));
      case 'u', 't' -> leaf(ref, utf8(length(i32(), "string")));
      case '(', '[', '<' -> sequence(ref, length(i32(), type == '[' ? "list" : "tuple or set"));
      case ')' -> sequence(ref, u8());
      case '>' -> sequence(ref, length(i32(), "frozenset"));
      case '{' -> dict(ref);
      case 'c' -> code(ref);
      case ':' -> slice(ref);
      case 'r' -> back(i32());
      default -> throw bad(String.format("unknown marshal type 0x%02x at offset %d", code, at));
    };
    depth--;
    return value;
  }

  private Object leaf(boolean ref, Object value) {
    if (ref) {
      refs.add(value);
    }
    return value;
  }

  private int reserve(boolean ref) {
    if (!ref) {
      return -1;
    }
    refs.add(RESERVED);
    return refs.size() - 1;
  }

  private Object fill(int slot, Object value) {
    if (slot >= 0) {
      refs.set(slot, value);
    }
    return value;
  }

  private Object sequence(boolean ref, int n) throws PythonModuleFormatException {
    int slot = reserve(ref);
    List<Object> items = new ArrayList<>(Math.min(n, 1024));
    for (int i = 0; i < n; i++) {
      items.add(object());
    }
    return fill(slot, Collections.unmodifiableList(items));
  }

  private Object dict(boolean ref) throws PythonModuleFormatException {
    int slot = reserve(ref);
    while (nullable() != NULL) {
      object();
    }
    return fill(slot, Opaque.DICT);
  }

  private Object slice(boolean ref) throws PythonModuleFormatException {
    int slot = reserve(ref);
    for (int i = 0; i < 3; i++) {
      object();
    }
    return fill(slot, Opaque.SLICE);
  }

  private Object code(boolean ref) throws PythonModuleFormatException {
    int slot = reserve(ref);
    int flags = 0;
    for (int i = 0; i < layout.leadingInts; i++) {
      flags = i32(); // co_flags is the last of them in every layout
    }
    Object code = object();
    Object consts = object();
    Object names = object();
    for (int i = 0; i < layout.objectsAfterNames; i++) {
      object();
    }
    i32();
    for (int i = 0; i < layout.trailingObjects; i++) {
      object();
    }
    if (!(code instanceof byte[] bytecode) || !(consts instanceof List<?> constList)
        || !(names instanceof List<?> nameList)) {
      throw bad("a code object whose code, consts or names have the wrong type (not a "
          + layout + " code object?)");
    }
    return fill(slot, new CodeObject(flags, bytecode, List.copyOf(constList),
        List.copyOf(nameList)));
  }

  private Object back(int index) throws PythonModuleFormatException {
    if (index < 0 || index >= refs.size()) {
      throw bad("reference " + index + " to none of the " + refs.size() + " objects read so far");
    }
    Object value = refs.get(index);
    if (value == RESERVED) {
      throw bad("reference " + index + " to an object still being read");
    }
    return value;
  }

  /** A TYPE_LONG: 15-bit digits, least significant first; its value only when it fits a long. */
  private Object bigLong() throws PythonModuleFormatException {
    int n = i32();
    int digits = length(n == Integer.MIN_VALUE ? Integer.MAX_VALUE : Math.abs(n), "int");
    if ((long) digits * 2 > data.length - pos) {
      throw beyond(digits * 2L, "int digits");
    }
    if (digits > MAX_LONG_DIGITS) {
      pos += digits * 2;
      return Opaque.BIG_INT;
    }
    long value = 0;
    for (int i = 0; i < digits; i++) {
      long digit = (data[pos++] & 0xff) | (data[pos++] & 0xff) << 8;
      value |= digit << (15 * i);
    }
    return n < 0 ? -value : value;
  }

  private Double floatText() throws PythonModuleFormatException {
    String text = latin1(u8());
    try {
      return Double.valueOf(text);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private int length(int n, String what) throws PythonModuleFormatException {
    if (n < 0 || n > data.length - pos) {
      throw beyond(n, what + " length");
    }
    return n;
  }

  private String utf8(int n) throws PythonModuleFormatException {
    return new String(bytes(n), StandardCharsets.UTF_8);
  }

  private String latin1(int n) throws PythonModuleFormatException {
    return new String(bytes(n), StandardCharsets.ISO_8859_1);
  }

  private byte[] bytes(int n) throws PythonModuleFormatException {
    if (n > data.length - pos) {
      throw beyond(n, "string");
    }
    byte[] b = new byte[n];
    System.arraycopy(data, pos, b, 0, n);
    pos += n;
    return b;
  }

  private int u8() throws PythonModuleFormatException {
    if (pos >= data.length) {
      throw bad("truncated: the data ends at offset " + pos + " where an object is expected");
    }
    return data[pos++] & 0xff;
  }

  private int i32() throws PythonModuleFormatException {
    if (data.length - pos < 4) {
      throw bad("truncated: the data ends at offset " + data.length + " inside a 4-byte field");
    }
    int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16
        | (data[pos + 3] & 0xff) << 24;
    pos += 4;
    return v;
  }

  private long i64() throws PythonModuleFormatException {
    long low = i32() & 0xffffffffL;
    return low | (long) i32() << 32;
  }

  private PythonModuleFormatException beyond(long n, String what) {
    return bad(what + " field " + n + " at offset " + pos + " is beyond the remaining "
        + (data.length - pos) + " bytes");
  }

  private static PythonModuleFormatException bad(String reason) {
    return new PythonModuleFormatException("bad marshal data: " + reason);
  }
}
