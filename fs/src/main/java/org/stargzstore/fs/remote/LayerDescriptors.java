package org.stargzstore.fs.remote;

import java.util.List;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.types.LayerDescriptor;

/**
 * The registry client's manifest descriptors as the shared {@link LayerDescriptor} that the
 * layer store and the formats take, so neither sees the client's manifest model and the client
 * knows nothing of layers. Public for the daemon's {@code image inspect}, which reads layers
 * through the client directly.
 */
public final class LayerDescriptors {
  private LayerDescriptors() {}

  public static LayerDescriptor of(Descriptor d) {
    return new LayerDescriptor(d.mediaType(), d.digest(), d.size(), d.annotations());
  }

  public static List<LayerDescriptor> of(List<Descriptor> ds) {
    return ds.stream().map(LayerDescriptors::of).toList();
  }
}
