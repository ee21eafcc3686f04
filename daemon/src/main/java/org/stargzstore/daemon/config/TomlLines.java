package org.stargzstore.daemon.config;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each {@code [table]} and {@code key =} of a TOML file is, by line. The TOML parser gives
 * a tree without positions; errors found in the tree (a float where an integer belongs, an
 * unknown key) still name the line the operator has to edit. Covers the shapes the daemon's
 * config uses (tables, {@code key = value}, {@code table.key = value}); anything else simply has
 * no line.
 */
final class TomlLines {
  private static final Pattern TABLE =
      Pattern.compile("\\s*\\[\\s*([A-Za-z0-9_.\"-]+)\\s*]\\s*(#.*)?");
  private static final Pattern KEY = Pattern.compile("\\s*([A-Za-z0-9_.\"-]+)\\s*=.*");

  private final Map<String, Integer> lines = new HashMap<>();

  private TomlLines() {}

  static TomlLines of(String text) {
    TomlLines t = new TomlLines();
    String table = "";
    String[] all = text.split("\r?\n", -1);
    for (int i = 0; i < all.length; i++) {
      Matcher m = TABLE.matcher(all[i]);
      if (m.matches()) {
        table = unquote(m.group(1));
        t.lines.putIfAbsent(table, i + 1);
        continue;
      }
      Matcher k = KEY.matcher(all[i]);
      if (k.matches()) {
        String key = unquote(k.group(1));
        t.lines.putIfAbsent(table.isEmpty() ? key : table + "." + key, i + 1);
        int dot = key.indexOf('.');
        if (table.isEmpty() && dot > 0) {
          t.lines.putIfAbsent(key.substring(0, dot), i + 1);
        }
      }
    }
    return t;
  }

  /** The line (1-based) of {@code key} in {@code [table]}, or of the table when key is null. */
  OptionalInt line(String table, String key) {
    Integer n = lines.get(key == null ? table : table + "." + key);
    return n == null ? OptionalInt.empty() : OptionalInt.of(n);
  }

  private static String unquote(String s) {
    return s.replace("\"", "");
  }
}
