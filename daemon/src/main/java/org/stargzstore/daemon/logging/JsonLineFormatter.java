package org.stargzstore.daemon.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * {@code --log-format json}: one JSON object per line, with {@code time} (ISO-8601 UTC),
 * {@code level} (the same labels as the text format), {@code logger} (the full class name),
 * {@code thread}, {@code message} and, when there is one, {@code thrown} (the stack trace as one
 * string). Log collectors can then index fields instead of parsing text.
 */
final class JsonLineFormatter extends Formatter {
  private static final JsonFactory JSON = new JsonFactory();

  @Override
  public String format(LogRecord r) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.ofEpochMilli(r.getMillis()).toString());
      g.writeStringField("level", LogSetup.label(r.getLevel()));
      g.writeStringField("logger", r.getLoggerName() == null ? "" : r.getLoggerName());
      g.writeStringField("thread", Thread.currentThread().getName());
      g.writeStringField("message", formatMessage(r));
      if (r.getThrown() != null) {
        StringWriter trace = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(trace));
        g.writeStringField("thrown", trace.toString());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.append('\n').toString();
  }
}
