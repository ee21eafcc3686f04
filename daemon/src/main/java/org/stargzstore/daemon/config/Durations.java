package org.stargzstore.daemon.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as operators write them: {@code 30s}, {@code 10m}, {@code 2h}, {@code 500ms}. */
public final class Durations {
  private static final Pattern P = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d)\\s*");

  private Durations() {}

  public static Duration parse(String s) {
    Matcher m = P.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: '" + s + "' (examples: 500ms, 30s, 10m, 2h)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
