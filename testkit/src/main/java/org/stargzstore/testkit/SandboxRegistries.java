package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The registry side of a podman sandbox ({@link PodmanSandbox}, {@link Podman5Sandbox}): a
 * {@code registries.conf} with no search registries, the plain-HTTP test registries marked
 * insecure and optionally the layer store's auth helper, and an empty {@code auth.json}, so podman
 * never reads the node's registry settings or credentials.
 */
final class SandboxRegistries {
  private SandboxRegistries() {}

  /**
   * Writes {@code dir/registries.conf} and {@code dir/auth.json}.
   *
   * @param authHelper {@code additional-layer-store-auth-helper}, or null for none
   * @param insecure {@code host:port} of plain-HTTP registries podman may use
   * @return the registries.conf written
   */
  static Path write(Path dir, String authHelper, List<String> insecure) throws IOException {
    StringBuilder r = new StringBuilder("unqualified-search-registries = []\n");
    if (authHelper != null) {
      r.append("additional-layer-store-auth-helper = \"").append(authHelper).append("\"\n");
    }
    for (String reg : insecure) {
      r.append("[[registry]]\nlocation = \"").append(reg).append("\"\ninsecure = true\n");
    }
    Path registriesConf = dir.resolve("registries.conf");
    Files.writeString(registriesConf, r.toString(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("auth.json"), "{\"auths\":{}}\n", StandardCharsets.UTF_8);
    return registriesConf;
  }
}
