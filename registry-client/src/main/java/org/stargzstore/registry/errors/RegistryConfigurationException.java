package org.stargzstore.registry.errors;

/** A configuration file (registries.conf, auth file, certs.d) cannot be used; names the file. */
public class RegistryConfigurationException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryConfigurationException(String message) {
    super(RegistryErrorKind.CONFIGURATION, message);
  }

  public RegistryConfigurationException(String message, Throwable cause) {
    super(RegistryErrorKind.CONFIGURATION, message, cause);
  }
}
