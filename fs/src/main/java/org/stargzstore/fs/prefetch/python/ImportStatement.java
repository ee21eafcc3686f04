package org.stargzstore.fs.prefetch.python;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One simple statement of a logical line (strings blanked, comments gone) read as an import:
 * {@code import a, b.c as d} gives two, {@code from ..p import (q, r as s)} one. Anything that is
 * not a well-formed import gives none; {@code from __future__ import} gives none either, as it
 * names compiler features rather than a module to fetch.
 */
final class ImportStatement {

  // Possessive quantifiers throughout: no backtracking, so hostile source is read in linear time.
  private static final String NAME = PythonNames.NAME;
  private static final String DOTTED = NAME + "(?:\\s*+\\.\\s*+" + NAME + ")*+";
  private static final Pattern IMPORT = Pattern.compile("import\\s+(.+)", Pattern.DOTALL);
  private static final Pattern FROM = Pattern.compile(
      "from(?=[\\s.])([.\\s]*+)(" + DOTTED + ")?\\s*+import(?=[\\s(*])\\s*+(.+)", Pattern.DOTALL);
  private static final Pattern ALIASED =
      Pattern.compile("(" + DOTTED + ")(?:\\s+as\\s+" + NAME + ")?", Pattern.DOTALL);
  private static final Pattern SPACES = Pattern.compile("\\s+");

  private ImportStatement() {}

  static List<PythonImport> parse(String statement) {
    Matcher from = FROM.matcher(statement);
    if (from.matches()) {
      return fromImport(from).map(List::of).orElse(List.of());
    }
    Matcher plain = IMPORT.matcher(statement);
    if (!plain.matches()) {
      return List.of();
    }
    List<PythonImport> found = new ArrayList<>();
    for (String part : plain.group(1).split(",", -1)) {
      Optional<String> module = aliased(part);
      if (module.isEmpty()) {
        return List.of();
      }
      found.add(PythonImport.of(module.get()));
    }
    return found;
  }

  private static Optional<PythonImport> fromImport(Matcher from) {
    int level = (int) from.group(1).chars().filter(c -> c == '.').count();
    String module = from.group(2) == null ? "" : SPACES.matcher(from.group(2)).replaceAll("");
    if (level == 0 && (module.isEmpty() || module.equals("__future__"))) {
      return Optional.empty();
    }
    String names = from.group(3).strip();
    if (names.startsWith("(")) {
      if (!names.endsWith(")")) {
        return Optional.empty();
      }
      names = names.substring(1, names.length() - 1).strip();
      if (names.endsWith(",")) {
        names = names.substring(0, names.length() - 1);
      }
    }
    List<String> fromNames = new ArrayList<>();
    if (names.equals("*")) {
      fromNames.add("*");
    } else {
      for (String part : names.split(",", -1)) {
        Optional<String> name = aliased(part).filter(n -> !n.contains("."));
        if (name.isEmpty()) {
          return Optional.empty();
        }
        fromNames.add(name.get());
      }
    }
    return Optional.of(new PythonImport(module, level, fromNames));
  }

  /** The dotted name of {@code a.b} or {@code a.b as c}, empty if the text is neither. */
  private static Optional<String> aliased(String part) {
    Matcher m = ALIASED.matcher(part.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(SPACES.matcher(m.group(1)).replaceAll(""));
  }
}
