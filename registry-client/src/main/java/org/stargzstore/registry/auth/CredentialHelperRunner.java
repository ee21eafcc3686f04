package org.stargzstore.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * Runs {@code docker-credential-NAME get} as docker and containers/image do: the server URL on
 * stdin, {@code {"ServerURL","Username","Secret"}} on stdout; a username of {@code <token>}
 * means the secret is an identity token; "credentials not found" means none. The helper's
 * output is never put into an error message (it may hold the secret).
 */
public final class CredentialHelperRunner {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<Path> searchPath;
  private final Duration timeout;

  /** @param searchPath directories searched for {@code docker-credential-NAME}, like PATH */
  public CredentialHelperRunner(List<Path> searchPath, Duration timeout) {
    this.searchPath = List.copyOf(searchPath);
    this.timeout = timeout;
  }

  /** Asks helper {@code name} for {@code serverUrl}'s credentials. */
  public Optional<Credential> get(String name, String serverUrl)
      throws RegistryConfigurationException {
    Path exe = locate(name);
    Process p;
    try {
      p = new ProcessBuilder(exe.toString(), "get").redirectErrorStream(false).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
      }
      byte[] out = p.getInputStream().readAllBytes();
      p.getErrorStream().readAllBytes();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new RegistryConfigurationException("credential helper " + exe + " did not answer"
            + " within " + timeout.toSeconds() + " s for " + serverUrl);
      }
      String text = new String(out, StandardCharsets.UTF_8).trim();
      if (p.exitValue() != 0) {
        if (text.toLowerCase(java.util.Locale.ROOT).contains("credentials not found")) {
          return Optional.empty();
        }
        throw new RegistryConfigurationException("credential helper " + exe + " failed for "
            + serverUrl + " with exit code " + p.exitValue());
      }
      JsonNode n = JSON.readTree(text);
      if (n == null || !n.isObject()) {
        throw new RegistryConfigurationException("credential helper " + exe
            + " printed something that is not a JSON object for " + serverUrl);
      }
      String user = n.path("Username").asText("");
      String secret = n.path("Secret").asText("");
      if (user.isEmpty() && secret.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(user.equals("<token>") ? Credential.ofIdentityToken("", secret)
          : Credential.basic(user, secret));
    } catch (RegistryConfigurationException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryConfigurationException("cannot run credential helper " + exe + " for "
          + serverUrl + ": " + e.getClass().getSimpleName(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryConfigurationException("interrupted while running credential helper "
          + exe);
    }
  }

  private Path locate(String name) throws RegistryConfigurationException {
    String exe = "docker-credential-" + name;
    for (Path dir : searchPath) {
      Path p = dir.resolve(exe);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new RegistryConfigurationException("credential helper " + exe + " not found in "
        + searchPath);
  }
}
