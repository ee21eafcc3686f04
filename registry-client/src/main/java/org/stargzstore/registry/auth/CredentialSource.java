package org.stargzstore.registry.auth;

import java.util.Optional;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * One place credentials can come from (an auth file, a credential helper, the daemon's runtime
 * registrations). Sources are consulted in a fixed order; the first that has credentials wins.
 */
public interface CredentialSource {

  /**
   * Credentials for {@code key}: a repository ({@code host/ns/repo}), a namespace or a registry
   * host. Sources that support namespaced keys try the longest match first.
   *
   * @throws RegistryConfigurationException if the source is broken (bad JSON, a helper that
   *     fails): never for "no credentials"
   */
  Optional<Credential> lookup(String key) throws RegistryConfigurationException;

  /** A short description for logs and errors ("auth file /run/containers/0/auth.json"). */
  String describe();

  /** The registry host part of a key. */
  static String registryOf(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? key : key.substring(0, slash);
  }
}
