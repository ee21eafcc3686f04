package org.stargzstore.registry.http;

import java.util.List;
import org.stargzstore.registry.auth.AuthScope;

/**
 * Attached to every request meant for a registry's API: which host and repository it is for,
 * the token scopes it needs and the key its credentials are looked up by. Requests without a
 * tag (redirects to blob storage, token requests) never get credentials.
 */
public record RequestTag(RegistryHost host, String credentialKey, List<AuthScope> scopes,
    String action) {

  public RequestTag {
    scopes = List.copyOf(scopes);
  }

  public RequestTag withExtraScope(AuthScope s) {
    if (scopes.contains(s)) {
      return this;
    }
    List<AuthScope> more = new java.util.ArrayList<>(scopes);
    more.add(s);
    return new RequestTag(host, credentialKey, more, action);
  }
}
