package org.stargzstore.registry.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.stargzstore.types.Digest;

/**
 * Registry credentials: a username and password, or an OAuth2 identity (refresh) token as
 * {@code docker login} stores it. {@link #toString()} never shows a secret; {@link #fingerprint()}
 * identifies a credential in cache keys without revealing it.
 *
 * @param identityToken empty unless the registry issued one
 */
public record Credential(String username, String password, String identityToken) {

  public Credential {
    username = username == null ? "" : username;
    password = password == null ? "" : password;
    identityToken = identityToken == null ? "" : identityToken;
  }

  public static Credential basic(String username, String password) {
    return new Credential(username, password, "");
  }

  public static Credential ofIdentityToken(String username, String token) {
    return new Credential(username, "", token);
  }

  public boolean hasIdentityToken() {
    return !identityToken.isEmpty();
  }

  /** True if there is nothing to send. */
  public boolean isEmpty() {
    return username.isEmpty() && password.isEmpty() && identityToken.isEmpty();
  }

  /** A short one-way hash of the whole credential, for cache keys. */
  public String fingerprint() {
    MessageDigest md = Digest.newSha256();
    md.update((username + '\0' + password + '\0' + identityToken)
        .getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(md.digest(), 0, 8);
  }

  @Override
  public String toString() {
    return "Credential[username=" + username + (password.isEmpty() ? "" : ", password=***")
        + (identityToken.isEmpty() ? "" : ", identityToken=***") + "]";
  }
}
