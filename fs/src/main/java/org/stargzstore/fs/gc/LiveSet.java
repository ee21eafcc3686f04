package org.stargzstore.fs.gc;

import java.util.HashSet;
import java.util.Set;
import org.stargzstore.types.Digest;

/** Content that must not be collected, and the layers it was derived from (for reports). */
public record LiveSet(Set<Digest> blobs, Set<Digest> layers) {
  public LiveSet {
    blobs = Set.copyOf(blobs);
    layers = Set.copyOf(layers);
  }

  static LiveSet empty() {
    return new LiveSet(new HashSet<>(), new HashSet<>());
  }

  public boolean contains(Digest blob) {
    return blobs.contains(blob);
  }
}
