package org.stargzstore.registry.manifest;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An OCI image manifest or Docker schema 2 manifest: the config descriptor and the layers,
 * bottom first.
 */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers,
    Map<String, String> annotations) implements Manifest {

  public ImageManifest {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(config, "config");
    layers = List.copyOf(layers);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }
}
