package org.stargzstore.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import org.stargzstore.registry.auth.BearerToken;
import org.stargzstore.registry.errors.RegistryProtocolException;

/**
 * The JSON a token server answers ({@code token} or {@code access_token}, {@code expires_in},
 * {@code issued_at}), kept apart from the HTTP exchange so that every answer, however odd, is
 * either a token or a {@link RegistryProtocolException}.
 */
final class TokenResponse {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Tokens live at most this long, whatever the server says: a year. */
  static final Duration MAX_LIFETIME = Duration.ofDays(365);

  private TokenResponse() {}

  /**
   * @param now when the answer arrived: the issue time if the server states none or a bad one
   * @param minimumLifetime the least a token is kept, even if the server says less
   * @param server names the token server in errors
   */
  static BearerToken parse(byte[] bytes, Instant now, Duration minimumLifetime, String server,
      String forWhat) throws RegistryProtocolException {
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (IOException e) {
      n = null;
    }
    if (n == null || !n.isObject()) {
      throw new RegistryProtocolException(forWhat + ": token server " + server
          + " did not answer a JSON object");
    }
    String token = n.path("token").asText("");
    if (token.isEmpty()) {
      token = n.path("access_token").asText("");
    }
    if (token.isEmpty()) {
      throw new RegistryProtocolException(forWhat + ": token server " + server
          + " answered without a token");
    }
    long expiresIn = Math.min(Math.max(n.path("expires_in").asLong(0),
        minimumLifetime.toSeconds()), MAX_LIFETIME.toSeconds());
    Instant issued = now;
    String issuedAt = n.path("issued_at").asText("");
    if (!issuedAt.isEmpty()) {
      try {
        issued = OffsetDateTime.parse(issuedAt).toInstant();
      } catch (DateTimeParseException e) {
        // keep "now", as containers/image does for a zero time
      }
    }
    if (issued.isAfter(now.plus(MAX_LIFETIME)) || issued.isBefore(now.minus(MAX_LIFETIME))) {
      issued = now; // a clock that far off is no clock: do not let it keep a token forever
    }
    return new BearerToken(token, issued.plusSeconds(expiresIn));
  }
}
