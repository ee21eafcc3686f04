package org.stargzstore.registry.auth;

import java.util.Optional;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * A credential helper named in registries.conf {@code credential-helpers}: asked for the
 * registry host only (helpers do not support namespaced keys).
 */
public final class CredentialHelper implements CredentialSource {
  private final String name;
  private final CredentialHelperRunner runner;

  public CredentialHelper(String name, CredentialHelperRunner runner) {
    this.name = name;
    this.runner = runner;
  }

  @Override
  public Optional<Credential> lookup(String key) throws RegistryConfigurationException {
    return runner.get(name, CredentialSource.registryOf(key));
  }

  @Override
  public String describe() {
    return "credential helper docker-credential-" + name;
  }
}
