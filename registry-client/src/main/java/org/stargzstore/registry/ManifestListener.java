package org.stargzstore.registry;

import java.util.function.Function;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageManifest;

/**
 * Told an image's platform manifest as soon as it is chosen, before its config is fetched: a
 * caller that reads each layer's table of contents can start those reads then, so they overlap
 * the config's round trip instead of following it.
 */
@FunctionalInterface
public interface ManifestListener {
  /** A listener that does nothing. */
  ManifestListener NONE = (served, manifest, layerBlob) -> { };

  /**
   * Called once per successful manifest pull (per source tried) on the resolving thread; it
   * should only start work elsewhere. An exception it throws is logged and ignored.
   *
   * @param served the platform manifest as served (its digest and bytes, verified): what an
   *     artifact referring to the image names as its subject
   * @param manifest {@code served}, parsed
   * @param layerBlob access to a descriptor's blob, read from the source that served the
   *     manifest first (as {@link RegistryClient#blob(ResolvedImage, Descriptor)} would)
   */
  void manifestChosen(ManifestResponse served, ImageManifest manifest,
      Function<Descriptor, RegistryBlob> layerBlob);
}
