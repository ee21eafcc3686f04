package org.stargzstore.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.stargzstore.zstdchunked.writer.ConversionProgress;

/**
 * The progress {@code convert} prints on stderr: new lines at an interval when stderr is a log,
 * one rewritten line on a terminal, wiped when the conversion ends.
 */
class ConvertProgressTest {

  @Test
  void aLineSaysBytesInOfTheInputBytesOutAndRate() {
    assertEquals("converting: 120.0 MiB of 240.0 MiB in (50%, 12.0 MiB/s), 40.0 MiB out",
        ConvertProgress.line(120L << 20, 40L << 20, 240L << 20, Duration.ofSeconds(10)));
    assertEquals("converting: 1.0 MiB in (2.0 MiB/s), 512.0 KiB out",
        ConvertProgress.line(1L << 20, 512L << 10, -1, Duration.ofMillis(500)));
    assertEquals("converting: 40.0 MiB out (4.0 MiB/s) from a 240.0 MiB tar",
        ConvertProgress.writerLine(40L << 20, 240L << 20, Duration.ofSeconds(10)));
  }

  @Test
  void printsNewLinesAtTheIntervalWhenNotATerminal() throws Exception {
    StringWriter sink = new StringWriter();
    PrintWriter err = new PrintWriter(sink);
    try (ConvertProgress p = new ConvertProgress(new ConversionProgress(), err, false, 1 << 20,
        Duration.ofMillis(10))) {
      awaitLines(sink, 2);
    }
    String text = sink.toString();
    String first = text.lines().findFirst().orElseThrow();
    assertTrue(first.matches("converting: 0 B of 1\\.0 MiB in \\(0%, 0 B/s\\), 0 B out"), first);
    assertTrue(!text.contains("\r"), text);
  }

  @Test
  void rewritesOneLineOnATerminalAndWipesItAtTheEnd() throws Exception {
    StringWriter sink = new StringWriter();
    PrintWriter err = new PrintWriter(sink);
    try (ConvertProgress p = new ConvertProgress(new ConversionProgress(), err, true, -1,
        Duration.ofMillis(10))) {
      while (!sink.toString().contains("converting: ")) {
        Thread.sleep(5);
      }
    }
    String text = sink.toString();
    assertTrue(text.startsWith("\r\033[Kconverting: 0 B in (0 B/s), 0 B out"), text);
    assertTrue(text.endsWith("\r\033[K") && !text.contains("\n"), text);
  }

  private static void awaitLines(StringWriter sink, int n) throws InterruptedException {
    while (sink.toString().lines().count() < n) {
      Thread.sleep(5);
    }
  }
}
