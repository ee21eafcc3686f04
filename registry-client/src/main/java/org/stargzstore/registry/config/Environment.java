package org.stargzstore.registry.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The process facts that decide which configuration files podman would read: environment
 * variables, the home directory and the user id. Tests pass their own instead of the real ones,
 * so they never read the machine's files.
 */
public record Environment(Map<String, String> variables, Path home, int uid) {

  public Environment {
    variables = Map.copyOf(variables);
    Objects.requireNonNull(home, "home");
  }

  /** This process's environment, {@code user.home} and real uid. */
  public static Environment current() {
    return new Environment(System.getenv(), Path.of(System.getProperty("user.home", "/root")),
        currentUid());
  }

  /** A variable, if set and not empty. */
  public Optional<String> get(String name) {
    String v = variables.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  private static int currentUid() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return uid instanceof Integer i ? i : 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return 0;
    }
  }
}
