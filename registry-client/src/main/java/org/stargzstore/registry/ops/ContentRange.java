package org.stargzstore.registry.ops;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stargzstore.registry.errors.RegistryProtocolException;

/**
 * A {@code Content-Range: bytes FIRST-LAST/TOTAL} value ({@code TOTAL} may be {@code *}, then
 * -1).
 */
record ContentRange(long first, long last, long total) {
  private static final Pattern P = Pattern.compile(
      "\\s*bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)\\s*", Pattern.CASE_INSENSITIVE);

  static ContentRange parse(String header, String what) throws RegistryProtocolException {
    if (header == null) {
      throw new RegistryProtocolException(what + ": partial content without Content-Range");
    }
    Matcher m = P.matcher(header);
    if (!m.matches()) {
      throw new RegistryProtocolException(what + ": malformed Content-Range \"" + header + "\"");
    }
    long first;
    long last;
    long total;
    try {
      first = Long.parseLong(m.group(1));
      last = Long.parseLong(m.group(2));
      total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
    } catch (NumberFormatException e) {
      throw new RegistryProtocolException(what + ": Content-Range \"" + header
          + "\" has a number too large for a blob offset");
    }
    if (last < first || (total >= 0 && last >= total)) {
      throw new RegistryProtocolException(what + ": impossible Content-Range \"" + header + "\"");
    }
    return new ContentRange(first, last, total);
  }

  long length() {
    return last - first + 1;
  }
}
