package org.stargzstore.registry.errors;

/** The registry kept answering 5xx after the retries. */
public class RegistryServerException extends RegistryException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public RegistryServerException(int status, String message) {
    super(RegistryErrorKind.SERVER, message);
    this.status = status;
  }

  /** The last HTTP status seen. */
  public int status() {
    return status;
  }
}
