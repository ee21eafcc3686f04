package org.stargzstore.registry.errors;

/** The registry answered in a way the distribution API does not allow. */
public class RegistryProtocolException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryProtocolException(String message) {
    super(RegistryErrorKind.PROTOCOL, message);
  }

  public RegistryProtocolException(String message, Throwable cause) {
    super(RegistryErrorKind.PROTOCOL, message, cause);
  }
}
