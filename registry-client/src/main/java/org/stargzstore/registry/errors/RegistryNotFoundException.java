package org.stargzstore.registry.errors;

/** The image, manifest, blob or repository does not exist on any source tried. */
public class RegistryNotFoundException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryNotFoundException(String message) {
    super(RegistryErrorKind.NOT_FOUND, message);
  }

  public RegistryNotFoundException(String message, Throwable cause) {
    super(RegistryErrorKind.NOT_FOUND, message, cause);
  }
}
