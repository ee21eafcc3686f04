package org.stargzstore.registry.adapter;

import java.util.List;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.types.LayerDescriptor;

/**
 * Converts the registry client's descriptors into the format layer's {@link LayerDescriptor}, so
 * the client itself knows nothing of layer formats.
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
