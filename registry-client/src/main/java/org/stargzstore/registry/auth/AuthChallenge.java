package org.stargzstore.registry.auth;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import okhttp3.Challenge;
import okhttp3.Response;

/**
 * One challenge of a {@code WWW-Authenticate} header ({@code Bearer realm="...",service="...",
 * scope="..."} or {@code Basic realm="..."}): the scheme in lowercase and its parameters with
 * lowercase names, as the token and Basic logic look them up. Parsing (RFC 7235: tokens or
 * quoted strings with backslash escapes, several challenges in one header value or in several
 * headers; malformed ones skipped) is OkHttp's {@link Response#challenges()}.
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

  /** The challenges of a 401 answer (none for any other status). */
  public static List<AuthChallenge> of(Response response) {
    return response.challenges().stream().map(AuthChallenge::of).toList();
  }

  private static AuthChallenge of(Challenge c) {
    Map<String, String> params = new LinkedHashMap<>();
    c.authParams().forEach((name, value) -> {
      if (name != null) { // a token68 credential has no name; no registry scheme uses one
        params.put(name.toLowerCase(Locale.ROOT), value);
      }
    });
    return new AuthChallenge(c.scheme(), params);
  }
}
