package org.stargzstore.registry.config;

import org.stargzstore.registry.ImageReference;

/**
 * Where to try pulling an image: the reference rewritten for one endpoint (a mirror or the
 * registry's location) and that endpoint's settings.
 *
 * @param mirror true for a mirror, false for the registry itself
 */
public record PullSource(ImageReference reference, boolean insecure, boolean mirror) {

  @Override
  public String toString() {
    return (mirror ? "mirror " : "") + reference.registry() + (insecure ? " (insecure)" : "");
  }
}
