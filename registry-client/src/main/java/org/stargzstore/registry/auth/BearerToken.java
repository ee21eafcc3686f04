package org.stargzstore.registry.auth;

import java.time.Instant;

/** A bearer token and when it stops being valid. {@link #toString()} hides the token. */
public record BearerToken(String token, Instant expires) {

  public boolean isValidAt(Instant now) {
    return now.isBefore(expires);
  }

  @Override
  public String toString() {
    return "BearerToken[***, expires=" + expires + "]";
  }
}
