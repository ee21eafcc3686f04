package org.stargzstore.fs.prefetch.python;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a {@code python} command line runs: code given with {@code -c}, a module with {@code -m},
 * or a script file, and whether the {@code site} start-up runs ({@code -S} turns it off). Options
 * are parsed as CPython parses them, as far as telling these apart needs.
 *
 * @param code the program text of {@code -c}
 * @param module the module of {@code -m}
 * @param script the script's path as given
 */
public record PythonCommand(Optional<String> code, Optional<String> module,
    Optional<String> script, boolean site) {
  /** Options that take the next argument as their value. */
  private static final Set<Character> WITH_VALUE = Set.of('X', 'W', 'Q');

  /** Parses the arguments after the interpreter's own name. */
  public static PythonCommand parse(List<String> args) {
    boolean site = true;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("-") || !a.startsWith("-") || a.equals("--")) {
        int s = a.equals("--") ? i + 1 : i;
        Optional<String> script = s < args.size() && !args.get(s).equals("-")
            ? Optional.of(args.get(s)) : Optional.empty();
        return new PythonCommand(Optional.empty(), Optional.empty(), script, site);
      }
      if (a.startsWith("--")) {
        continue; // --version, --help, --check-hash-based-pycs (value after '=' or next: rare)
      }
      for (int k = 1; k < a.length(); k++) {
        char o = a.charAt(k);
        if (o == 'S' || o == 'I') {
          site = o == 'S' ? false : site;
        }
        if (o == 'c' || o == 'm') {
          String value = k + 1 < a.length() ? a.substring(k + 1)
              : i + 1 < args.size() ? args.get(i + 1) : null;
          if (value == null) {
            return new PythonCommand(Optional.empty(), Optional.empty(), Optional.empty(), site);
          }
          return o == 'c'
              ? new PythonCommand(Optional.of(value), Optional.empty(), Optional.empty(), site)
              : new PythonCommand(Optional.empty(), Optional.of(value), Optional.empty(), site);
        }
        if (WITH_VALUE.contains(o)) {
          if (k + 1 == a.length()) {
            i++;
          }
          break;
        }
      }
    }
    return new PythonCommand(Optional.empty(), Optional.empty(), Optional.empty(), site);
  }
}
