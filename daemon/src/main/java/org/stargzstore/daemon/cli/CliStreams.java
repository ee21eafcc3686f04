package org.stargzstore.daemon.cli;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The byte streams a command writes to. Commands that print file contents ({@code layer cat})
 * need bytes, not a {@link PrintWriter}; tests pass their own streams to
 * {@link Main#run(PrintStream, PrintStream, String...)}. Text goes out as UTF-8 whatever the
 * locale, because names in layers are UTF-8.
 */
public record CliStreams(PrintStream out, PrintStream err) {

  static CliStreams system() {
    return new CliStreams(System.out, System.err);
  }

  PrintWriter outWriter() {
    return new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
  }

  PrintWriter errWriter() {
    return new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
  }
}
