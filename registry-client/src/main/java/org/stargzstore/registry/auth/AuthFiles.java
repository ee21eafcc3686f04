package org.stargzstore.registry.auth;

import java.util.List;
import java.util.Optional;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * The {@code containers-auth.json} "helper" of registries.conf: the auth files in the order
 * containers/image reads them; the first file with credentials for the key wins.
 */
public final class AuthFiles implements CredentialSource {
  private final List<AuthFile> files;

  public AuthFiles(List<AuthFile> files) {
    this.files = List.copyOf(files);
  }

  public List<AuthFile> files() {
    return files;
  }

  @Override
  public Optional<Credential> lookup(String key) throws RegistryConfigurationException {
    for (AuthFile f : files) {
      Optional<Credential> c = f.lookup(key);
      if (c.isPresent()) {
        return c;
      }
    }
    return Optional.empty();
  }

  @Override
  public String describe() {
    return "auth files " + files.stream().map(f -> f.path().toString()).toList();
  }
}
