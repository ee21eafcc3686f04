package org.stargzstore.daemon.logging;

import java.util.Locale;

/**
 * How log records are written: one human-readable line ({@code text}, for terminals and
 * journald), or one JSON object per line ({@code json}, for log collectors that index fields).
 */
public enum LogFormat {
  TEXT,
  JSON;

  /** Parses {@code text} or {@code json} (any case). */
  public static LogFormat parse(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "text" -> TEXT;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException(
          "unknown log format '" + s + "' (use text or json)");
    };
  }
}
