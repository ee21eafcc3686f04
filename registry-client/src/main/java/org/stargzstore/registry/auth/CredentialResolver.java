package org.stargzstore.registry.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * Finds the credentials for a repository by asking each source in order (runtime registrations
 * first, then registries.conf's {@code credential-helpers}, where {@code containers-auth.json}
 * stands for the auth files). As in containers/image, a broken source does not stop the search;
 * its error is reported only if no source had credentials. Results are cached for a short time
 * (helpers are processes), and dropped when the registry rejects them.
 */
public final class CredentialResolver {
  private static final Logger LOG = Logger.getLogger(CredentialResolver.class.getName());

  private final List<CredentialSource> sources;
  private final Duration ttl;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(Optional<Credential> credential, Instant until) {}

  public CredentialResolver(List<CredentialSource> sources, Duration ttl, Clock clock) {
    this.sources = List.copyOf(sources);
    this.ttl = ttl;
    this.clock = clock;
  }

  public List<CredentialSource> sources() {
    return sources;
  }

  /** Credentials for {@code key} ({@code host/repository}), or empty for anonymous access. */
  public Optional<Credential> resolve(String key) throws RegistryConfigurationException {
    Instant now = clock.instant();
    Cached c = cache.get(key);
    if (c != null && now.isBefore(c.until())) {
      return c.credential();
    }
    List<String> errors = new ArrayList<>();
    for (CredentialSource s : sources) {
      try {
        Optional<Credential> found = s.lookup(key);
        if (found.isPresent() && !found.get().isEmpty()) {
          LOG.fine(() -> "credentials for " + key + " found in " + s.describe());
          cache.put(key, new Cached(found, now.plus(ttl)));
          return found;
        }
      } catch (RegistryConfigurationException e) {
        LOG.fine(() -> "looking up credentials for " + key + " in " + s.describe() + ": "
            + e.getMessage());
        errors.add(e.getMessage());
      }
    }
    if (!errors.isEmpty()) {
      throw new RegistryConfigurationException("looking up credentials for " + key + ": "
          + String.join("; ", errors));
    }
    cache.put(key, new Cached(Optional.empty(), now.plus(ttl)));
    return Optional.empty();
  }

  /** Forgets cached results (after the registry rejected them, or files changed). */
  public void invalidate() {
    cache.clear();
  }
}
