package org.stargzstore.registry.manifest;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.stargzstore.registry.Platform;
import org.stargzstore.types.Digest;

/**
 * An OCI content descriptor: what a manifest or index says about a piece of content it points
 * to. Immutable.
 *
 * @param platform only on index entries, else null
 * @param urls foreign-layer URLs, usually empty
 */
public record Descriptor(String mediaType, Digest digest, long size,
    Map<String, String> annotations, List<String> urls, Platform platform) {

  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size + " for " + digest);
    }
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    urls = urls == null ? List.of() : List.copyOf(urls);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, Map.of(), List.of(), null);
  }

  public Optional<String> annotation(String key) {
    return Optional.ofNullable(annotations.get(key));
  }

  public Optional<Platform> platformOptional() {
    return Optional.ofNullable(platform);
  }
}
