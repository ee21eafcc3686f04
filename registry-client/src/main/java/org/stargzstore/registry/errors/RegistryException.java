package org.stargzstore.registry.errors;

import java.io.IOException;

/**
 * Any failure of a registry operation. The message names the action and the image or blob
 * ("pulling manifest 127.0.0.1:5000/app:1.0 from 127.0.0.1:5000: ..."), never a secret; the
 * {@link #kind()} says how a caller should treat it.
 */
public class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;
  private final RegistryErrorKind kind;

  public RegistryException(RegistryErrorKind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public RegistryException(RegistryErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public RegistryErrorKind kind() {
    return kind;
  }
}
