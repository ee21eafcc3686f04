package org.stargzstore.fs.prefetch.python;

import java.util.ArrayList;
import java.util.List;

/**
 * Python source cut into logical lines the way the tokenizer joins them: lines inside brackets
 * and after a backslash continue the line, comments are dropped, and every string literal
 * (triple-quoted ones included, so a docstring's text) becomes {@code ""}, so no {@code import}
 * inside a string, no {@code #} or {@code ;} in one, is taken for code. Blank and comment-only
 * lines are left out, and so is a leading UTF-8 byte order mark. Not a tokenizer: odd source
 * gives odd lines, never an exception.
 */
final class LogicalLines {

  /** One logical line: the column of its first character (tabs to multiples of 8) and its text. */
  record Line(int indent, String text) {}

  private final String s;
  private final List<Line> lines = new ArrayList<>();
  private final StringBuilder text = new StringBuilder();
  private int pos;
  private int indent;
  private int brackets;

  private LogicalLines(String source) {
    String text = source.startsWith("\uFEFF") ? source.substring(1) : source;
    this.s = text.replace("\r\n", "\n").replace('\r', '\n');
  }

  static List<Line> of(String source) {
    LogicalLines cut = new LogicalLines(source);
    cut.run();
    return cut.lines;
  }

  private void run() {
    while (pos < s.length()) {
      if (!startLine()) {
        continue;
      }
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == '\n') {
          pos++;
          if (brackets == 0) {
            break;
          }
          text.append(' ');
        } else if (c == '#') {
          skipTo('\n');
        } else if (c == '\'' || c == '"') {
          string(c);
        } else if (c == '\\' && pos + 1 < s.length() && s.charAt(pos + 1) == '\n') {
          pos += 2;
          text.append(' ');
        } else {
          if (c == '(' || c == '[' || c == '{') {
            brackets++;
          } else if ((c == ')' || c == ']' || c == '}') && brackets > 0) {
            brackets--;
          }
          text.append(c);
          pos++;
        }
      }
      String line = text.toString().strip();
      if (!line.isEmpty()) {
        lines.add(new Line(indent, line));
      }
      text.setLength(0);
      brackets = 0;
    }
  }

  /** Reads the indentation; false (and the line consumed) when the line is blank or a comment. */
  private boolean startLine() {
    int column = 0;
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == ' ') {
        column++;
      } else if (c == '\t') {
        column = (column / 8 + 1) * 8;
      } else if (c == '\f') {
        column = 0;
      } else {
        break;
      }
      pos++;
    }
    if (pos >= s.length() || s.charAt(pos) == '\n' || s.charAt(pos) == '#'
        || s.charAt(pos) == '\\' && pos + 1 < s.length() && s.charAt(pos + 1) == '\n') {
      skipTo('\n');
      pos++;
      return false;
    }
    indent = column;
    return true;
  }

  /** Skips a string literal opened by {@code quote} at pos; appends {@code ""} for it. */
  private void string(char quote) {
    boolean triple = s.startsWith(String.valueOf(quote).repeat(3), pos);
    pos += triple ? 3 : 1;
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == '\\') {
        pos += 2;
      } else if (c == quote && (!triple || s.startsWith(String.valueOf(quote).repeat(3), pos))) {
        pos += triple ? 3 : 1;
        break;
      } else if (c == '\n' && !triple) {
        break;
      } else {
        pos++;
      }
    }
    pos = Math.min(pos, s.length());
    text.append("\"\"");
  }

  private void skipTo(char c) {
    int at = s.indexOf(c, pos);
    pos = at < 0 ? s.length() : at;
  }
}
