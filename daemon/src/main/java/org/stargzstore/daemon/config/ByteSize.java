package org.stargzstore.daemon.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses sizes as operators write them in config files: {@code 4096}, {@code 512KiB},
 * {@code 20 GiB}. Binary units ({@code KiB}, {@code MiB}, {@code GiB}, {@code TiB}, or the bare
 * letters {@code K}, {@code M}, {@code G}, {@code T}) are powers of 1024; SI units ({@code kB},
 * {@code MB}, {@code GB}, {@code TB}) are powers of 1000, as on a disk's label, so {@code 20GB}
 * is 20,000,000,000 bytes and never silently read as GiB. Fractions are refused.
 */
public final class ByteSize {
  private static final Pattern P =
      Pattern.compile("\\s*(\\d+)\\s*(?:([kKmMgGtT])(i)?([bB])?|([bB]))?\\s*");

  private ByteSize() {}

  public static long parse(String s) {
    Matcher m = P.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("expected a size in bytes, found '" + s
          + "' (examples: 4096, 512KiB, 20GiB; KiB/MiB/GiB are powers of 1024, kB/MB/GB of 1000;"
          + " whole numbers only)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size too large: '" + s + "'");
    }
    if (m.group(2) == null) {
      return n;
    }
    int power = "kmgt".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
    boolean si = m.group(3) == null && m.group(4) != null;
    long unit = 1;
    for (int i = 0; i < power; i++) {
      unit *= si ? 1000 : 1024;
    }
    try {
      return Math.multiplyExact(n, unit);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("size too large: '" + s + "'");
    }
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
