package org.stargzstore.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.stargzstore.registry.http.RetryPolicy;

/**
 * Client configurations for tests: every file lives in a temporary directory (never the
 * machine's), plain-HTTP test registries are marked insecure through a real registries.conf,
 * and retries back off in milliseconds so failure tests stay fast.
 */
final class TestSetup {
  private TestSetup() {}

  static final RetryPolicy FAST_RETRIES = new RetryPolicy(4, Duration.ofMillis(20),
      Duration.ofMillis(100), Duration.ofSeconds(5));

  /** A registries.conf marking each {@code host:port} insecure. */
  static Path insecureRegistriesConf(Path dir, String... hosts) throws IOException {
    StringBuilder sb = new StringBuilder("unqualified-search-registries = []\n");
    for (String h : hosts) {
      sb.append("\n[[registry]]\nlocation = \"").append(h).append("\"\ninsecure = true\n");
    }
    Files.createDirectories(dir);
    Path f = dir.resolve("registries.conf");
    Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
    return f;
  }

  /** A config reading only {@code registriesConf}, an auth file in {@code dir}, nothing else. */
  static RegistryClientConfig.Builder config(Path dir, Path registriesConf) {
    return RegistryClientConfig.builder()
        .registriesConf(registriesConf, true)
        .registriesConfDirs(List.of(dir.resolve("registries.conf.d")))
        .certsDirs(List.of(dir.resolve("certs.d")))
        .authFiles(List.of(RegistryClientConfig.AuthFileSpec.of(dir.resolve("auth.json"))))
        .credentialHelperPath(List.of(dir.resolve("bin")))
        .retryPolicy(FAST_RETRIES)
        .readTimeout(Duration.ofSeconds(20));
  }

  /** A client for plain-HTTP registries {@code hosts}, files under {@code dir}. */
  static RegistryClient insecureClient(Path dir, String... hosts) throws IOException {
    return RegistryClient.create(config(dir, insecureRegistriesConf(dir, hosts)).build());
  }
}
