package org.stargzstore.registry.auth;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Fuzzes the {@code WWW-Authenticate} parsing (OkHttp's, through {@link AuthChallenge#of}):
 * whatever a registry sends (one or several header
 * values), parsing ends, throws nothing, and yields only challenges with a non-empty lowercase
 * token scheme and lowercase parameter names. Malformed challenges are skipped, as the parser
 * promises. Input: the header values, one per line. Seeds: Bearer and Basic challenges as
 * registries and token servers send them.
 */
class AuthChallengeFuzzTest {

  @FuzzTest(maxDuration = "8s")
  void parseHeaders(byte[] input) {
    List<String> values =
        List.of(new String(input, StandardCharsets.ISO_8859_1).split("\n", -1));
    for (AuthChallenge c : AuthChallengeTest.parse(values)) {
      if (c.scheme().isEmpty() || !c.scheme().equals(c.scheme().toLowerCase(Locale.ROOT))) {
        throw new AssertionError("bad scheme: '" + c.scheme() + "'");
      }
      for (String name : c.params().keySet()) {
        if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT))) {
          throw new AssertionError("bad parameter name: '" + name + "'");
        }
      }
      c.isBearer();
      c.param("realm");
    }
  }
}
