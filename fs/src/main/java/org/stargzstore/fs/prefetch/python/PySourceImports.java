package org.stargzstore.fs.prefetch.python;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The imports a module's source (.py, or the code of {@code python -c CODE}) runs when it is
 * imported, read line by line rather than parsed, for when no pyc is there to read.
 *
 * <p>What runs at import time is every statement not inside a {@code def}: statements at column
 * 0 and those in the blocks of module-level {@code class}/{@code try}/{@code except}/{@code
 * else}/{@code finally}/{@code if}/{@code elif}/{@code with}/{@code for}/{@code while}/{@code
 * match}, at any depth (but not under {@code if False:}, {@code if __name__ == '__main__':} or
 * {@code except ImportError:}): the imports CPython compiles into the module's code object and
 * its class bodies that run on import, which {@link PycImports} reads. Handles
 * {@code import a, b.c as d}, parenthesised multi-line from-lists, backslash continuations,
 * {@code ;}-separated statements, one-line bodies ({@code try: import x}), comments, and text in
 * strings and docstrings. {@code from __future__ import} is dropped. Never throws on odd source:
 * what it cannot read it leaves out.
 */
public final class PySourceImports {

  private static final Pattern FUNCTION =
      Pattern.compile("(?:async\\s+)?def\\b.*", Pattern.DOTALL);
  private static final Pattern BLOCK = Pattern.compile(
      "(?:if|elif|else|try|except|finally|with|for|while|match|case|class"
          + "|async\\s+(?:with|for))\\b.*",
      Pattern.DOTALL);

  /**
   * Blocks whose imports do not run when the module is imported: {@code if False:} and {@code
   * if 0:} (the compiler drops them), {@code if __name__ == '__main__':} (running the module as
   * a program), and {@code except ImportError:} or {@code ModuleNotFoundError} (a fallback for
   * an import tried first), as {@link PycImports} reads them from bytecode.
   */
  private static final Pattern NEVER_RUNS = Pattern.compile("(?:if\\s*(?:False|0)\\s*:"
      // LogicalLines has made the string '__main__' an empty one
      + "|if\\s+(?:__name__\\s*==\\s*\"\"|\"\"\\s*==\\s*__name__)\\s*:"
      + "|except\\s*+\\(?[\\w.,\\s]*?\\b(?:ImportError|ModuleNotFoundError)\\b).*",
      Pattern.DOTALL);

  /** An open block: its header's column and whether its body does not run at import time. */
  private record Block(int indent, boolean notRunAtImport) {}

  private PySourceImports() {}

  /** The module-level imports of {@code source}, first first, without duplicates. */
  public static List<PythonImport> of(String source) {
    Set<PythonImport> found = new LinkedHashSet<>();
    Deque<Block> open = new ArrayDeque<>();
    int notRunning = 0;
    for (LogicalLines.Line line : LogicalLines.of(source)) {
      while (!open.isEmpty() && open.peek().indent() >= line.indent()) {
        notRunning -= open.pop().notRunAtImport() ? 1 : 0;
      }
      boolean insideNotRunBlock = notRunning > 0;
      List<String> statements = splitTopLevel(line.text(), ';');
      String first = statements.get(0);
      boolean bodyNotRun = FUNCTION.matcher(first).matches()
          || NEVER_RUNS.matcher(first).matches();
      if (bodyNotRun || BLOCK.matcher(first).matches()) {
        int colon = headerColon(first);
        if (colon < 0) {
          continue;
        }
        String body = first.substring(colon + 1).strip();
        if (body.isEmpty() && statements.size() == 1) {
          open.push(new Block(line.indent(), bodyNotRun));
          notRunning += bodyNotRun ? 1 : 0;
          continue;
        }
        if (bodyNotRun) {
          continue;
        }
        statements = new ArrayList<>(statements);
        statements.set(0, body);
      }
      if (!insideNotRunBlock) {
        for (String statement : statements) {
          found.addAll(ImportStatement.parse(statement.strip()));
        }
      }
    }
    return List.copyOf(found);
  }

  /** The colon ending a compound statement's header, or -1: not in brackets, not {@code :=}. */
  private static int headerColon(String header) {
    int depth = 0;
    for (int i = 0; i < header.length(); i++) {
      char c = header.charAt(i);
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth = Math.max(0, depth - 1);
      } else if (c == ':' && depth == 0
          && (i + 1 >= header.length() || header.charAt(i + 1) != '=')) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> splitTopLevel(String text, char separator) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth = Math.max(0, depth - 1);
      } else if (c == separator && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }
}
