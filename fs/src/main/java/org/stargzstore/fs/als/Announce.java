package org.stargzstore.fs.als;

import java.util.logging.Level;

/**
 * The level of the layer store's news about an image: INFO for users' images, FINE for the
 * daemon's own (see {@link ImageSource#isInternal}), so operators see only their images.
 */
final class Announce {
  private Announce() {}

  static Level level(ImageSource source, String reference) {
    return source.isInternal(reference) ? Level.FINE : Level.INFO;
  }
}
