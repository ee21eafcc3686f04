package org.stargzstore.registry.errors;

/** registries.conf blocks pulling from this registry. */
public class RegistryBlockedException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryBlockedException(String message) {
    super(RegistryErrorKind.BLOCKED, message);
  }

  public RegistryBlockedException(String message, Throwable cause) {
    super(RegistryErrorKind.BLOCKED, message, cause);
  }
}
