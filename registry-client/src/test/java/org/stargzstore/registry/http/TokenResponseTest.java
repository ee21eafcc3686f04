package org.stargzstore.registry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.stargzstore.registry.auth.BearerToken;
import org.stargzstore.registry.errors.RegistryProtocolException;

/** Token answers, including those that once crashed the client (RegistryAnswersFuzzTest seeds). */
class TokenResponseTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration MIN = Duration.ofSeconds(60);

  private static BearerToken parse(String json) throws RegistryProtocolException {
    return TokenResponse.parse(json.getBytes(StandardCharsets.UTF_8), NOW, MIN, "t", "pull x");
  }

  @Test
  void expiresInAndIssuedAtSetTheExpiry() throws Exception {
    BearerToken t = parse("{\"token\":\"a\",\"expires_in\":300,"
        + "\"issued_at\":\"2026-01-01T00:01:00Z\"}");
    assertEquals("a", t.token());
    assertEquals(NOW.plusSeconds(360), t.expires());
    assertEquals(NOW.plus(MIN), parse("{\"access_token\":\"b\",\"expires_in\":5}").expires(),
        "at least the minimum lifetime");
  }

  @Test
  void aLifetimePastTheEndOfTimeIsCappedInsteadOfOverflowing() throws Exception {
    // Instant.plusSeconds(Long.MAX_VALUE) threw a DateTimeException out of the client
    assertEquals(NOW.plus(TokenResponse.MAX_LIFETIME),
        parse("{\"token\":\"x\",\"expires_in\":9223372036854775807}").expires());
    assertEquals(NOW.plus(TokenResponse.MAX_LIFETIME), parse("{\"token\":\"x\","
        + "\"expires_in\":9223372036854775807,\"issued_at\":\"+999999999-12-31T23:59:59Z\"}")
        .expires(), "an issue time far from now is taken as now");
  }

  @Test
  void anAnswerWithoutTokenIsAProtocolError() {
    assertThrows(RegistryProtocolException.class, () -> parse("{\"expires_in\":1}"));
    assertThrows(RegistryProtocolException.class, () -> parse("[1]"));
    assertThrows(RegistryProtocolException.class, () -> parse("<html>"));
  }
}
