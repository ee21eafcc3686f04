package org.stargzstore.registry.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.InvalidReferenceException;
import org.stargzstore.registry.errors.RegistryBlockedException;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * registries.conf (v2) as containers/image interprets it, after the main file and its drop-ins
 * are merged: which {@code [[registry]]} entry a reference falls under (longest prefix wins,
 * {@code *.example.com} matches subdomains), where to pull it from (mirrors in order, then the
 * registry's location, each with the reference rewritten), whether it is blocked or insecure,
 * the credential helpers and the unqualified-search registries. Immutable.
 */
public final class RegistriesConf {
  /** The built-in "helper" that means: look in the auth files. */
  public static final String AUTH_FILES_HELPER = "containers-auth.json";

  private final List<RegistryEntry> registries;
  private final List<String> unqualifiedSearchRegistries;
  private final List<String> credentialHelpers;
  private final String shortNameMode;
  private final List<Path> sources;

  RegistriesConf(List<RegistryEntry> registries, List<String> unqualifiedSearchRegistries,
      List<String> credentialHelpers, String shortNameMode, List<Path> sources) {
    this.registries = List.copyOf(registries);
    this.unqualifiedSearchRegistries = List.copyOf(unqualifiedSearchRegistries);
    this.credentialHelpers = credentialHelpers == null || credentialHelpers.isEmpty()
        ? List.of(AUTH_FILES_HELPER) : List.copyOf(credentialHelpers);
    this.shortNameMode = shortNameMode == null ? "" : shortNameMode;
    this.sources = List.copyOf(sources);
  }

  /** No configuration at all: every registry pulled directly, TLS verified, auth files only. */
  public static RegistriesConf empty() {
    return new RegistriesConf(List.of(), List.of(), List.of(), "", List.of());
  }

  /**
   * This configuration with {@code hosts} ({@code host[:port]}) insecure, as podman's
   * {@code --tls-verify=false} makes them: an entry whose prefix is exactly the host is marked
   * insecure, a host without one gets one.
   */
  public RegistriesConf withInsecureHosts(java.util.Collection<String> hosts) {
    if (hosts.isEmpty()) {
      return this;
    }
    java.util.TreeMap<String, RegistryEntry> byPrefix = new java.util.TreeMap<>();
    for (RegistryEntry r : registries) {
      byPrefix.put(r.prefix(), r);
    }
    for (String h : hosts) {
      RegistryEntry r = byPrefix.get(h);
      byPrefix.put(h, r == null
          ? new RegistryEntry(h, new MirrorEndpoint(h, true, ""), List.of(), false, false)
          : new RegistryEntry(r.prefix(), new MirrorEndpoint(r.endpoint().location(), true,
              r.endpoint().pullFromMirror()), r.mirrors(), r.blocked(), r.mirrorByDigestOnly()));
    }
    return new RegistriesConf(new ArrayList<>(byPrefix.values()), unqualifiedSearchRegistries,
        credentialHelpers, shortNameMode, sources);
  }

  /** The registry entries, sorted by prefix. */
  public List<RegistryEntry> registries() {
    return registries;
  }

  public List<String> unqualifiedSearchRegistries() {
    return unqualifiedSearchRegistries;
  }

  /** Credential helpers in lookup order; {@value #AUTH_FILES_HELPER} stands for the auth files. */
  public List<String> credentialHelpers() {
    return credentialHelpers;
  }

  public String shortNameMode() {
    return shortNameMode;
  }

  /** The files this configuration was read from, in merge order. */
  public List<Path> sources() {
    return sources;
  }

  /** The entry that applies to {@code reference} (a full reference or a host), if any. */
  public Optional<RegistryEntry> find(String reference) {
    RegistryEntry best = null;
    int bestLen = 0;
    for (RegistryEntry r : registries) {
      if (matchingPrefixLength(reference, r.prefix()) >= 0 && r.prefix().length() > bestLen) {
        best = r;
        bestLen = r.prefix().length();
      }
    }
    return Optional.ofNullable(best);
  }

  /** True if registries.conf marks {@code hostPort} insecure. */
  public boolean isInsecure(String hostPort) {
    return find(hostPort).map(r -> r.endpoint().insecure()).orElse(false);
  }

  /**
   * Where to pull {@code ref} from, in order: its entry's mirrors (honouring
   * {@code mirror-by-digest-only} and {@code pull-from-mirror}), then its location.
   *
   * @throws RegistryBlockedException if its entry is blocked
   */
  public List<PullSource> pullSources(ImageReference ref)
      throws RegistryBlockedException, RegistryConfigurationException {
    Optional<RegistryEntry> entry = find(ref.toString());
    if (entry.isEmpty()) {
      return List.of(new PullSource(ref, false, false));
    }
    RegistryEntry r = entry.get();
    if (r.blocked()) {
      throw new RegistryBlockedException("pulling " + ref + " is blocked by the registry entry \""
          + r.prefix() + "\" in " + describeSources());
    }
    boolean byDigest = ref.digest() != null;
    List<PullSource> out = new ArrayList<>();
    for (MirrorEndpoint m : r.mirrors()) {
      boolean use = r.mirrorByDigestOnly() ? byDigest : switch (m.pullFromMirror()) {
        case "digest-only" -> byDigest;
        case "tag-only" -> !byDigest;
        default -> true;
      };
      if (use) {
        out.add(new PullSource(rewrite(ref, r.prefix(), m), m.insecure(), true));
      }
    }
    out.add(new PullSource(rewrite(ref, r.prefix(), r.endpoint()), r.endpoint().insecure(), false));
    return out;
  }

  /**
   * Where to push {@code ref}: its entry's location (mirrors are for pulling only).
   *
   * @throws RegistryBlockedException if its entry is blocked
   */
  public PullSource pushTarget(ImageReference ref)
      throws RegistryBlockedException, RegistryConfigurationException {
    Optional<RegistryEntry> entry = find(ref.toString());
    if (entry.isEmpty()) {
      return new PullSource(ref, false, false);
    }
    RegistryEntry r = entry.get();
    if (r.blocked()) {
      throw new RegistryBlockedException("pushing " + ref + " is blocked by the registry entry \""
          + r.prefix() + "\" in " + describeSources());
    }
    return new PullSource(rewrite(ref, r.prefix(), r.endpoint()), r.endpoint().insecure(), false);
  }

  private ImageReference rewrite(ImageReference ref, String prefix, MirrorEndpoint endpoint)
      throws RegistryConfigurationException {
    if (endpoint.location().isEmpty()) {
      return ref;
    }
    String s = ref.toString();
    int n = matchingPrefixLength(s, prefix);
    if (n < 0) {
      throw new RegistryConfigurationException("internal error: prefix \"" + prefix
          + "\" does not match " + s);
    }
    String rewritten = endpoint.location() + s.substring(n);
    try {
      ImageReference out = ImageReference.parse(rewritten);
      if (!out.registry().equals(endpoint.host())) {
        throw new RegistryConfigurationException("location \"" + endpoint.location() + "\" in "
            + describeSources() + " rewrites " + s + " to " + rewritten
            + ", which is not on host " + endpoint.host());
      }
      return out;
    } catch (InvalidReferenceException e) {
      throw new RegistryConfigurationException("location \"" + endpoint.location() + "\" in "
          + describeSources() + " rewrites " + s + " to an invalid reference: " + e.getMessage(),
          e);
    }
  }

  /**
   * How much of {@code ref} {@code prefix} matches, or -1: the whole prefix followed by the end,
   * {@code :}, {@code /} or {@code @}; for {@code *.example.com}, a subdomain of it.
   */
  static int matchingPrefixLength(String ref, String prefix) {
    if (prefix.startsWith("*.")) {
      String suffix = prefix.substring(1);
      int i = ref.indexOf(suffix);
      if (i < 0 || ref.substring(0, i).contains("/")) {
        return -1;
      }
      int end = i + suffix.length();
      if (end == ref.length()) {
        return end;
      }
      char c = ref.charAt(end);
      return c == ':' || c == '/' || c == '@' ? end : -1;
    }
    if (!ref.startsWith(prefix)) {
      return -1;
    }
    if (ref.length() == prefix.length()) {
      return prefix.length();
    }
    char c = ref.charAt(prefix.length());
    return c == ':' || c == '/' || c == '@' ? prefix.length() : -1;
  }

  private String describeSources() {
    return sources.isEmpty() ? "registries.conf" : sources.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RegistriesConf c && registries.equals(c.registries)
        && unqualifiedSearchRegistries.equals(c.unqualifiedSearchRegistries)
        && credentialHelpers.equals(c.credentialHelpers) && shortNameMode.equals(c.shortNameMode);
  }

  @Override
  public int hashCode() {
    return Objects.hash(registries, unqualifiedSearchRegistries, credentialHelpers, shortNameMode);
  }

  @Override
  public String toString() {
    return "RegistriesConf" + sources + registries;
  }
}
