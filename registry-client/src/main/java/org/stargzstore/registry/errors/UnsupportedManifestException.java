package org.stargzstore.registry.errors;

/** A well-formed manifest of a kind we do not read (Docker schema 1, an unknown media type). */
public class UnsupportedManifestException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public UnsupportedManifestException(String message) {
    super(RegistryErrorKind.UNSUPPORTED, message);
  }

  public UnsupportedManifestException(String message, Throwable cause) {
    super(RegistryErrorKind.UNSUPPORTED, message, cause);
  }
}
