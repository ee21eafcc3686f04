package org.stargzstore.registry.errors;

/** The registry knows who we are and refuses the action. */
public class RegistryDeniedException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryDeniedException(String message) {
    super(RegistryErrorKind.DENIED, message);
  }

  public RegistryDeniedException(String message, Throwable cause) {
    super(RegistryErrorKind.DENIED, message, cause);
  }
}
