package org.stargzstore.registry.errors;

/** Rebuilding a typed error with a longer message (after trying several sources). */
public final class Errors {
  private Errors() {}

  /** An exception of the same kind (and, where it matters, class) as {@code e} with {@code message}. */
  public static RegistryException withMessage(RegistryException e, String message) {
    RegistryException out = switch (e.kind()) {
      case NOT_FOUND -> e instanceof NoMatchingPlatformException
          ? new NoMatchingPlatformException(message) : new RegistryNotFoundException(message, e);
      case UNAUTHORIZED -> new RegistryUnauthorizedException(message, e);
      case DENIED -> new RegistryDeniedException(message, e);
      case RATE_LIMITED -> new RegistryRateLimitedException(message,
          ((RegistryRateLimitedException) e).retryAfter().orElse(null));
      case DIGEST_MISMATCH -> new RegistryException(RegistryErrorKind.DIGEST_MISMATCH, message, e);
      case NETWORK -> new RegistryNetworkException(message, e);
      case SERVER -> new RegistryServerException(((RegistryServerException) e).status(), message);
      case PROTOCOL -> new RegistryProtocolException(message, e);
      case BLOCKED -> new RegistryBlockedException(message, e);
      case CONFIGURATION -> new RegistryConfigurationException(message, e);
      case UNSUPPORTED -> new UnsupportedManifestException(message, e);
    };
    if (out.getCause() == null) {
      out.initCause(e);
    }
    return out;
  }
}
