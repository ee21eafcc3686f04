package org.stargzstore.daemon.run;

/**
 * Receives credentials that podman hands to the store at pull time (newer podman's
 * {@code additional-layer-store-auth-helper}), for the registry client to use.
 */
@FunctionalInterface
public interface CredentialSink {
  void add(String imageReference, String username, String password, String identityToken);
}
