package org.stargzstore.daemon.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.stargzstore.daemon.config.ByteSize;
import org.stargzstore.types.concurrent.DaemonThreadFactory;
import org.stargzstore.zstdchunked.writer.ConversionProgress;

/**
 * Shows a running layer conversion on stderr, so that a large layer does not look like a hung
 * command: on a terminal one line rewritten twice a second, otherwise a new line every few
 * seconds (logs stay readable). Lines give bytes in (of the input's size when known) with their
 * rate, and bytes out.
 */
final class ConvertProgress implements AutoCloseable {
  static final Duration TERMINAL_INTERVAL = Duration.ofMillis(500);
  static final Duration LOG_INTERVAL = Duration.ofSeconds(5);

  private final ConversionProgress counts;
  private final PrintWriter err;
  private final boolean terminal;
  private final long inputSize;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService timer;
  private boolean printedOnTerminal;
  private boolean closed;

  /**
   * Starts printing every {@code interval}; {@code inputSize} is -1 when unknown (standard
   * input).
   */
  ConvertProgress(ConversionProgress counts, PrintWriter err, boolean terminal, long inputSize,
      Duration interval) {
    this.counts = counts;
    this.err = err;
    this.terminal = terminal;
    this.inputSize = inputSize;
    this.timer = Executors.newSingleThreadScheduledExecutor(
        DaemonThreadFactory.named("convert-progress"));
    long ms = interval.toMillis();
    timer.scheduleAtFixedRate(this::print, ms, ms, TimeUnit.MILLISECONDS);
  }

  private synchronized void print() {
    if (closed) {
      return;
    }
    Duration elapsed = elapsed();
    String line = counts.inputReadByWriter()
        ? writerLine(counts.bytesOut(), inputSize, elapsed)
        : line(counts.bytesIn(), counts.bytesOut(), inputSize, elapsed);
    if (terminal) {
      err.print("\r\033[K" + line);
      printedOnTerminal = true;
    } else {
      err.println(line);
    }
    err.flush();
  }

  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /**
   * {@code converting: 120.0 MiB of 233.0 MiB in (51%, 24.0 MiB/s), 45.3 MiB out}; the input's
   * size is left out when unknown (-1, standard input).
   */
  static String line(long in, long out, long inputSize, Duration elapsed) {
    String of = inputSize > 0
        ? String.format(Locale.ROOT, " of %s in (%.0f%%, %s)", ByteSize.format(inputSize),
            100.0 * Math.min(in, inputSize) / inputSize, rate(in, elapsed))
        : " in (" + rate(in, elapsed) + ")";
    return "converting: " + ByteSize.format(in) + of + ", " + ByteSize.format(out) + " out";
  }

  /**
   * {@code converting: 45.3 MiB out (9.1 MiB/s) from a 233.0 MiB tar}: the writer reads the
   * file itself, so only the output shows progress.
   */
  static String writerLine(long out, long inputSize, Duration elapsed) {
    return "converting: " + ByteSize.format(out) + " out (" + rate(out, elapsed) + ") from a "
        + ByteSize.format(inputSize) + " tar";
  }

  static String rate(long bytes, Duration elapsed) {
    double seconds = Math.max(elapsed.toMillis(), 1) / 1000.0;
    return ByteSize.format((long) (bytes / seconds)) + "/s";
  }

  /** Stops printing; a line rewritten on a terminal is ended so what follows starts clean. */
  @Override
  public synchronized void close() {
    closed = true;
    timer.shutdownNow();
    if (printedOnTerminal) {
      err.print("\r\033[K");
      err.flush();
    }
  }
}
