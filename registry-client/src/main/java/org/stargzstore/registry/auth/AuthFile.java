package org.stargzstore.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * One auth file: containers-auth.json ({@code auth.json}), Docker's {@code config.json}, or the
 * legacy {@code .dockercfg}. Lookup follows containers/image: a {@code credHelpers} entry for the
 * registry runs that helper; else {@code auths} keys from the repository up to the registry
 * ({@code host/ns/repo}, {@code host/ns}, {@code host}); else keys normalised from URLs
 * ({@code https://index.docker.io/v1/}). As an extension for Docker's files, a
 * {@code credsStore} helper is asked last. A missing file has no credentials; a malformed one
 * is an error naming it. Secrets never reach a log or a message.
 */
public final class AuthFile implements CredentialSource {
  private static final Logger LOG = Logger.getLogger(AuthFile.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final boolean legacyFormat;
  private final CredentialHelperRunner helpers;

  /**
   * @param legacyFormat true for {@code ~/.dockercfg} (the top level is the {@code auths} map)
   */
  public AuthFile(Path path, boolean legacyFormat, CredentialHelperRunner helpers) {
    this.path = path;
    this.legacyFormat = legacyFormat;
    this.helpers = helpers;
  }

  public Path path() {
    return path;
  }

  @Override
  public Optional<Credential> lookup(String key) throws RegistryConfigurationException {
    JsonNode root = read();
    if (root == null) {
      return Optional.empty();
    }
    String registry = CredentialSource.registryOf(key);
    JsonNode auths = legacyFormat ? root : root.path("auths");
    if (!legacyFormat) {
      JsonNode helper = root.path("credHelpers").get(registry);
      if (helper != null && helper.isTextual() && !helper.asText().isEmpty()) {
        return helpers.get(helper.asText(), registry);
      }
    }
    if (auths.isObject()) {
      if (legacyFormat) {
        JsonNode e = auths.get(registry);
        if (e != null) {
          return decode(e, registry);
        }
      } else {
        String k = key;
        while (true) {
          JsonNode e = auths.get(k);
          if (e != null) {
            Optional<Credential> c = decode(e, k);
            if (c.isPresent()) {
              return c;
            }
            break;
          }
          int slash = k.lastIndexOf('/');
          if (slash < 0) {
            break;
          }
          k = k.substring(0, slash);
        }
      }
      String normalized = normalizeRegistry(registry);
      Iterator<Map.Entry<String, JsonNode>> it = auths.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (normalizeKey(e.getKey()).equals(normalized)) {
          Optional<Credential> c = decode(e.getValue(), e.getKey());
          if (c.isPresent()) {
            return c;
          }
        }
      }
    }
    if (!legacyFormat) {
      JsonNode store = root.get("credsStore");
      if (store != null && store.isTextual() && !store.asText().isEmpty()) {
        return helpers.get(store.asText(), registry);
      }
    }
    return Optional.empty();
  }

  private JsonNode read() throws RegistryConfigurationException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new RegistryConfigurationException("cannot read auth file " + path + ": "
          + e.getMessage(), e);
    }
    try {
      JsonNode n = JSON.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new RegistryConfigurationException("auth file " + path + " is not a JSON object");
      }
      return n;
    } catch (RegistryConfigurationException e) {
      throw e;
    } catch (IOException e) {
      // the parser's message may quote the file, which holds secrets: do not include it
      throw new RegistryConfigurationException("auth file " + path + " is not valid JSON", null);
    }
  }

  private Optional<Credential> decode(JsonNode entry, String key)
      throws RegistryConfigurationException {
    if (!entry.isObject()) {
      throw new RegistryConfigurationException("auth file " + path + ": entry \"" + key
          + "\" is not a JSON object");
    }
    String auth = entry.path("auth").asText("");
    String identityToken = entry.path("identitytoken").asText("");
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new RegistryConfigurationException("auth file " + path + ": the \"auth\" field of \""
          + key + "\" is not valid base64");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      if (!decoded.isEmpty()) {
        LOG.warning(() -> "auth file " + path + ": the \"auth\" field of \"" + key
            + "\" has no ':' between user and password; ignoring it");
      }
      return identityToken.isEmpty() ? Optional.empty()
          : Optional.of(Credential.ofIdentityToken("", identityToken));
    }
    String user = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1).replace("\0", "");
    return Optional.of(new Credential(user, password, identityToken));
  }

  /** Strips a URL scheme and path from an auths key, then normalises Docker Hub's names. */
  private String normalizeKey(String key) {
    String stripped = key;
    if (stripped.startsWith("http://")) {
      stripped = stripped.substring(7);
    } else if (stripped.startsWith("https://")) {
      stripped = stripped.substring(8);
    }
    if (legacyFormat || !stripped.equals(key)) {
      int slash = stripped.indexOf('/');
      if (slash >= 0) {
        stripped = stripped.substring(0, slash);
      }
    }
    return normalizeRegistry(stripped);
  }

  private static String normalizeRegistry(String registry) {
    return registry.equals("registry-1.docker.io") || registry.equals("docker.io")
        ? "index.docker.io" : registry;
  }

  @Override
  public String describe() {
    return "auth file " + path;
  }
}
