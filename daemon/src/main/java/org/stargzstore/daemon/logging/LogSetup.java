package org.stargzstore.daemon.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One-line logs on stderr (journald adds its own timestamps, so do terminals' users not need
 * more), as text or JSON ({@link LogFormat}), with the level chosen by {@code --log-level}. Uses
 * java.util.logging: no extra dependency, and OkHttp logs through it too.
 */
public final class LogSetup {
  private LogSetup() {}

  /** Maps {@code debug|info|warn|error} to a JUL level. */
  public static Level parseLevel(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.FINEST;
      case "debug" -> Level.FINE;
      case "info" -> Level.INFO;
      case "warn", "warning" -> Level.WARNING;
      case "error" -> Level.SEVERE;
      default -> throw new IllegalArgumentException(
          "unknown log level '" + s + "' (use debug, info, warn or error)");
    };
  }

  public static void configure(Level level) {
    configure(level, LogFormat.TEXT);
  }

  public static void configure(Level level, LogFormat format) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler h = new ConsoleHandler();
    h.setLevel(level);
    h.setFormatter(format == LogFormat.JSON ? new JsonLineFormatter() : new OneLine());
    root.addHandler(h);
    root.setLevel(Level.WARNING);
    Logger.getLogger("org.stargzstore").setLevel(level);
  }

  /** {@code 2026-11-23T10:00:00.123Z INFO  LayerStore: message}. */
  static final class OneLine extends Formatter {
    private static final DateTimeFormatter TS =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Override
    public String format(LogRecord r) {
      String logger = r.getLoggerName() == null ? "" : r.getLoggerName();
      logger = logger.substring(logger.lastIndexOf('.') + 1);
      StringBuilder sb = new StringBuilder()
          .append(TS.format(Instant.ofEpochMilli(r.getMillis()))).append(' ')
          .append(String.format(Locale.ROOT, "%-5s", label(r.getLevel()))).append(' ')
          .append(logger).append(": ").append(formatMessage(r)).append('\n');
      if (r.getThrown() != null && (r.getLevel().intValue() >= Level.SEVERE.intValue()
          || Logger.getLogger("org.stargzstore").isLoggable(Level.FINE))) {
        StringWriter sw = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(sw));
        sb.append(sw);
      } else if (r.getThrown() != null) {
        sb.setLength(sb.length() - 1);
        sb.append(" (").append(r.getThrown()).append(")\n");
      }
      return sb.toString();
    }
  }

  /** {@code ERROR}, {@code WARN}, {@code INFO} or {@code DEBUG}: the level's name in logs. */
  static String label(Level l) {
    if (l.intValue() >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (l.intValue() >= Level.WARNING.intValue()) {
      return "WARN";
    }
    if (l.intValue() >= Level.INFO.intValue()) {
      return "INFO";
    }
    return "DEBUG";
  }
}
