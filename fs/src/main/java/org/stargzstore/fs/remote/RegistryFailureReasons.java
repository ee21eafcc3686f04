package org.stargzstore.fs.remote;

import java.util.Optional;
import org.stargzstore.fs.als.NotLazyException;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryException;

/**
 * The fallback reason of a registry failure, by the kind the registry client typed it as: an
 * operator reading {@code status} tells expired credentials ({@code registry-unauthorized}) from
 * a deleted tag ({@code registry-not-found}) or an overloaded registry
 * ({@code registry-server-error}) without reading the log. The client's error may be wrapped (by
 * {@link RegistryImageSource}, by a TOC reader): it is looked for in the cause chain.
 */
final class RegistryFailureReasons {
  private RegistryFailureReasons() {}

  /** The reason for {@code failure}; empty if no typed registry error caused it. */
  static Optional<NotLazyException.Reason> forFailure(Throwable failure) {
    return registryError(failure).map(e -> forKind(e.kind()));
  }

  static NotLazyException.Reason forKind(RegistryErrorKind kind) {
    return switch (kind) {
      case NOT_FOUND -> NotLazyException.Reason.REGISTRY_NOT_FOUND;
      case UNAUTHORIZED -> NotLazyException.Reason.REGISTRY_UNAUTHORIZED;
      case DENIED -> NotLazyException.Reason.REGISTRY_DENIED;
      case RATE_LIMITED -> NotLazyException.Reason.REGISTRY_RATE_LIMITED;
      case DIGEST_MISMATCH -> NotLazyException.Reason.REGISTRY_DIGEST_MISMATCH;
      case NETWORK -> NotLazyException.Reason.REGISTRY_NETWORK;
      case SERVER -> NotLazyException.Reason.REGISTRY_SERVER_ERROR;
      case PROTOCOL -> NotLazyException.Reason.REGISTRY_PROTOCOL;
      case BLOCKED -> NotLazyException.Reason.REGISTRY_BLOCKED;
      case CONFIGURATION -> NotLazyException.Reason.REGISTRY_CONFIGURATION;
      case UNSUPPORTED -> NotLazyException.Reason.REGISTRY_UNSUPPORTED;
    };
  }

  /** The outermost typed registry error in {@code t}'s cause chain. */
  private static Optional<RegistryException> registryError(Throwable t) {
    int depth = 0;
    for (Throwable c = t; c != null && depth < 32; c = c.getCause(), depth++) {
      if (c instanceof RegistryException e) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
