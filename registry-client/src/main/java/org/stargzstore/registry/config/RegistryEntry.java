package org.stargzstore.registry.config;

import java.util.List;
import java.util.Objects;

/**
 * A {@code [[registry]]} table of registries.conf: which references it applies to
 * ({@code prefix}), where they really live ({@code location}), its mirrors in the order they are
 * tried, and whether it is blocked.
 */
public record RegistryEntry(String prefix, MirrorEndpoint endpoint, List<MirrorEndpoint> mirrors,
    boolean blocked, boolean mirrorByDigestOnly) {

  public RegistryEntry {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(endpoint, "endpoint");
    mirrors = List.copyOf(mirrors);
  }
}
