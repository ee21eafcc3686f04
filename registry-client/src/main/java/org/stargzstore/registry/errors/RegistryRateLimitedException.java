package org.stargzstore.registry.errors;

import java.time.Duration;
import java.util.Optional;

/** The registry answered 429 Too Many Requests and waiting as told did not help (or was too long). */
public class RegistryRateLimitedException extends RegistryException {
  private static final long serialVersionUID = 1L;
  private final transient Duration retryAfter;

  public RegistryRateLimitedException(String message, Duration retryAfter) {
    super(RegistryErrorKind.RATE_LIMITED, message);
    this.retryAfter = retryAfter;
  }

  /** The wait the registry asked for in its last answer, if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
