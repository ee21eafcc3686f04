package org.stargzstore.registry.auth;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Credentials registered at runtime (newer podman hands pull credentials to the layer store
 * through a helper; the daemon registers them here). Consulted before every file and helper.
 * Keys are a registry host, a namespace or a repository; the longest matching key wins.
 */
public final class InMemoryCredentials implements CredentialSource {
  private final Map<String, Credential> entries = new ConcurrentHashMap<>();

  /** Registers (or replaces) credentials for {@code key}. */
  public void put(String key, Credential credential) {
    entries.put(key, credential);
  }

  public void remove(String key) {
    entries.remove(key);
  }

  public void clear() {
    entries.clear();
  }

  @Override
  public Optional<Credential> lookup(String key) {
    String k = key;
    while (true) {
      Credential c = entries.get(k);
      if (c != null) {
        return Optional.of(c);
      }
      int slash = k.lastIndexOf('/');
      if (slash < 0) {
        return Optional.empty();
      }
      k = k.substring(0, slash);
    }
  }

  @Override
  public String describe() {
    return "credentials registered at runtime";
  }
}
