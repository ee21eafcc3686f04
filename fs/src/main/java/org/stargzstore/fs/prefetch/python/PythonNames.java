package org.stargzstore.fs.prefetch.python;

import java.util.regex.Pattern;

/**
 * What counts as a Python name here: a letter or underscore, then letters, digits and
 * underscores. One definition for the source parser, the pyc fallback and the resolver, so a
 * name one accepts the others accept too.
 */
final class PythonNames {
  /** A name, as a regular expression (possessive: no backtracking on hostile text). */
  static final String NAME = "[\\p{L}_][\\p{L}\\p{N}_]*+";
  private static final Pattern IDENTIFIER = Pattern.compile(NAME);
  private static final Pattern DOTTED = Pattern.compile(NAME + "(?:\\." + NAME + ")*+");

  private PythonNames() {}

  /** {@code json}, {@code _ssl}. */
  static boolean isIdentifier(String s) {
    return IDENTIFIER.matcher(s).matches();
  }

  /** {@code json.decoder}: names joined by dots, no spaces. */
  static boolean isDotted(String s) {
    return DOTTED.matcher(s).matches();
  }
}
