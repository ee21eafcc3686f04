package org.stargzstore.registry.http;

import java.util.List;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.auth.AuthScope;

/**
 * A repository on one registry endpoint, with the token scopes the calls need ({@code pull}, or
 * {@code pull,push}, plus {@code pull} on a repository blobs are mounted from).
 *
 * @param reference a reference in this repository (its tag/digest do not matter here)
 */
public record Repository(RegistryHost host, ImageReference reference, List<AuthScope> scopes) {

  public Repository {
    scopes = List.copyOf(scopes);
  }

  /** {@code host/path}, the key credentials are looked up by. */
  public String credentialKey() {
    return reference.name();
  }

  /** The repository path used in API routes ({@code library/busybox}). */
  public String path() {
    return reference.repository();
  }

  @Override
  public String toString() {
    return reference.name();
  }
}
