package org.stargzstore.testkit;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * A {@link Handler} that keeps every record it is given, from any thread, so a test can assert
 * what the code under test logged (add it to a {@code java.util.logging.Logger}, remove it after).
 */
public final class LogRecords extends Handler {
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  @Override
  public void publish(LogRecord r) {
    records.add(r);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}

  /** The records so far as {@code LEVEL message} lines (messages unformatted), in order. */
  public List<String> lines() {
    return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList();
  }

  /** The records so far, in order; a live, read-only view. */
  public List<LogRecord> records() {
    return Collections.unmodifiableList(records);
  }
}
