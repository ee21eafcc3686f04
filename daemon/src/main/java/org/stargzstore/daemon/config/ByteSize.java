package org.stargzstore.daemon.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes as operators write them in config files: {@code 20GiB}, {@code 512KiB}, {@code 4096}. */
public final class ByteSize {
  private static final Pattern P = Pattern.compile("\\s*(\\d+)\\s*([kKmMgGtT]i?[bB]?|[bB])?\\s*");

  private ByteSize() {}

  public static long parse(String s) {
    Matcher m = P.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: '" + s + "' (examples: 4096, 512KiB, 20GiB)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    int shift = switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      case 't' -> 40;
      default -> 0;
    };
    if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("size too large: '" + s + "'");
    }
    return n << shift;
  }

  public static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
