package org.stargzstore.registry.errors;

/** The registry could not be reached or the connection failed, after the retries. */
public class RegistryNetworkException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryNetworkException(String message) {
    super(RegistryErrorKind.NETWORK, message);
  }

  public RegistryNetworkException(String message, Throwable cause) {
    super(RegistryErrorKind.NETWORK, message, cause);
  }
}
