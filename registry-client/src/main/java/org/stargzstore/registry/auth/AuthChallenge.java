package org.stargzstore.registry.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header ({@code Bearer realm="...",service="...",
 * scope="..."} or {@code Basic realm="..."}): the scheme in lowercase and its parameters with
 * lowercase names. Parsing follows RFC 7235: tokens or quoted strings with backslash escapes,
 * several challenges in one header value or in several headers.
 */
public record AuthChallenge(String scheme, Map<String, String> params) {

  public AuthChallenge {
    scheme = scheme.toLowerCase(Locale.ROOT);
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  public boolean isBearer() {
    return scheme.equals("bearer");
  }

  public boolean isBasic() {
    return scheme.equals("basic");
  }

  public Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name));
  }

  /** Parses every challenge in the given header values; malformed ones are skipped. */
  public static List<AuthChallenge> parse(List<String> headerValues) {
    List<AuthChallenge> out = new ArrayList<>();
    for (String h : headerValues) {
      parseOne(h, out);
    }
    return out;
  }

  private static void parseOne(String s, List<AuthChallenge> out) {
    Cursor c = new Cursor(s);
    while (true) {
      c.skipSpaceAndCommas();
      String scheme = c.token();
      if (scheme.isEmpty()) {
        return;
      }
      Map<String, String> params = new LinkedHashMap<>();
      while (true) {
        c.skipSpace();
        int mark = c.pos;
        String name = c.token();
        c.skipSpace();
        if (name.isEmpty() || !c.consume('=')) {
          // not a parameter: the start of the next challenge (or the end)
          c.pos = mark;
          break;
        }
        c.skipSpace();
        String value = c.tokenOrQuoted();
        if (value == null) {
          out.add(new AuthChallenge(scheme, params));
          return;
        }
        params.put(name.toLowerCase(Locale.ROOT), value);
        c.skipSpace();
        if (!c.consume(',')) {
          break;
        }
      }
      out.add(new AuthChallenge(scheme, params));
      if (c.atEnd()) {
        return;
      }
    }
  }

  private static final class Cursor {
    final String s;
    int pos;

    Cursor(String s) {
      this.s = s;
    }

    boolean atEnd() {
      return pos >= s.length();
    }

    void skipSpace() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
        pos++;
      }
    }

    void skipSpaceAndCommas() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t'
          || s.charAt(pos) == ',')) {
        pos++;
      }
    }

    boolean consume(char ch) {
      if (pos < s.length() && s.charAt(pos) == ch) {
        pos++;
        return true;
      }
      return false;
    }

    String token() {
      int start = pos;
      while (pos < s.length() && isTokenChar(s.charAt(pos))) {
        pos++;
      }
      return s.substring(start, pos);
    }

    /** A token or a quoted string (unescaped); null if a quoted string is unterminated. */
    String tokenOrQuoted() {
      if (!consume('"')) {
        return token();
      }
      StringBuilder sb = new StringBuilder();
      while (pos < s.length()) {
        char ch = s.charAt(pos++);
        if (ch == '\\' && pos < s.length()) {
          sb.append(s.charAt(pos++));
        } else if (ch == '"') {
          return sb.toString();
        } else {
          sb.append(ch);
        }
      }
      return null;
    }

    private static boolean isTokenChar(char c) {
      return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={} \t".indexOf(c) < 0;
    }
  }
}
