package org.stargzstore.testkit;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Writes an htpasswd file in the only form the registry's htpasswd auth accepts (bcrypt),
 * using Bouncy Castle's bcrypt so tests need no {@code htpasswd} binary.
 */
final class Htpasswd {
  /** bcrypt cost: the minimum, tests do not need slow hashing. */
  private static final int COST = 4;

  private Htpasswd() {}

  static String lines(Map<String, String> users) {
    SecureRandom random = new SecureRandom();
    StringBuilder sb = new StringBuilder();
    users.forEach((user, password) -> {
      byte[] salt = new byte[16];
      random.nextBytes(salt);
      String hash = OpenBSDBCrypt.generate("2a", password.getBytes(StandardCharsets.UTF_8), salt,
          COST);
      sb.append(user).append(':').append(hash).append('\n');
    });
    return sb.toString();
  }
}
