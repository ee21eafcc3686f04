package org.stargzstore.registry.errors;

/** An image index has no manifest for the wanted platform. */
public class NoMatchingPlatformException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public NoMatchingPlatformException(String message) {
    super(RegistryErrorKind.NOT_FOUND, message);
  }
}
