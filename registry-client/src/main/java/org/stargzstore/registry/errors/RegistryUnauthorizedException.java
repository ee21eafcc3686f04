package org.stargzstore.registry.errors;

/** The registry wants credentials we do not have, or rejected the ones we sent. */
public class RegistryUnauthorizedException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryUnauthorizedException(String message) {
    super(RegistryErrorKind.UNAUTHORIZED, message);
  }

  public RegistryUnauthorizedException(String message, Throwable cause) {
    super(RegistryErrorKind.UNAUTHORIZED, message, cause);
  }
}
