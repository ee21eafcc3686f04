package org.stargzstore.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures every log record of the client and of OkHttp at the finest level while open, to check
 * that no secret is ever logged.
 */
final class LogCapture implements AutoCloseable {
  private static final String[] LOGGERS = {"org.stargzstore", "okhttp3"};
  private final List<String> lines = new ArrayList<>();
  private final List<Level> previous = new ArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      synchronized (lines) {
        String msg = r.getMessage();
        if (r.getParameters() != null) {
          msg = msg + " " + java.util.Arrays.toString(r.getParameters());
        }
        lines.add(r.getLevel() + " " + r.getLoggerName() + " " + msg
            + (r.getThrown() == null ? "" : " " + r.getThrown()));
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  LogCapture() {
    handler.setLevel(Level.ALL);
    for (String name : LOGGERS) {
      Logger l = Logger.getLogger(name);
      previous.add(l.getLevel());
      l.setLevel(Level.ALL);
      l.addHandler(handler);
    }
  }

  String text() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  int size() {
    synchronized (lines) {
      return lines.size();
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < LOGGERS.length; i++) {
      Logger l = Logger.getLogger(LOGGERS[i]);
      l.removeHandler(handler);
      l.setLevel(previous.get(i));
    }
  }
}
