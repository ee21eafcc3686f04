package org.stargzstore.fs.prefetch;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code #!} line of a script: the program the kernel runs it with, and that program's
 * arguments before the script's path. Read from the start of the file up to its first newline
 * (or the end of what was read, as the kernel truncates a long line). Both the entrypoint closure
 * (which fetches the interpreter) and the Python start-up (which needs {@code env}'s argument)
 * read it.
 *
 * @param interpreter the first word, as written (absolute for the kernel)
 * @param args the words after it
 */
public record Shebang(String interpreter, List<String> args) {
  public Shebang {
    args = List.copyOf(args);
  }

  /** The {@code #!} line at the start of {@code head}; empty if it has none or it is blank. */
  public static Optional<Shebang> of(byte[] head) {
    if (head.length < 2 || head[0] != '#' || head[1] != '!') {
      return Optional.empty();
    }
    int end = 2;
    while (end < head.length && head[end] != '\n') {
      end++;
    }
    String line = new String(head, 2, end - 2, StandardCharsets.UTF_8).strip();
    if (line.isEmpty()) {
      return Optional.empty();
    }
    List<String> words = Arrays.asList(line.split("\\s+"));
    return Optional.of(new Shebang(words.get(0), words.subList(1, words.size())));
  }
}
