package org.stargzstore.fs.profile;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import org.stargzstore.types.Digest;

/**
 * The files of one layer that a container start-up opened, in first-open order: what the next
 * cold start of any image with this layer fetches first (the background's prioritized phase),
 * as if a converter had put them before a prefetch landmark. Only a hint: names the layer's TOC
 * does not have are ignored, and every chunk is still verified against its TOC digest.
 */
public record LayerProfile(Digest layer, List<String> files) {
  /** At most this many files per layer: a start-up that opens more is not a start-up. */
  public static final int MAX_FILES = 20_000;
  /** Longest accepted file name (Linux PATH_MAX). */
  public static final int MAX_NAME_LENGTH = 4096;

  public LayerProfile {
    Objects.requireNonNull(layer, "layer");
    files = List.copyOf(files.size() > MAX_FILES ? files.subList(0, MAX_FILES) : files);
  }

  /**
   * This profile with the files of a later run: the first run's order is kept (it is what a
   * start-up reads first), files only the later run opened are added at the end, up to
   * {@link #MAX_FILES}.
   */
  public LayerProfile mergedWith(List<String> later) {
    LinkedHashSet<String> all = new LinkedHashSet<>(files);
    for (String f : later) {
      if (all.size() >= MAX_FILES) {
        break;
      }
      all.add(f);
    }
    return all.size() == files.size() ? this : new LayerProfile(layer, new ArrayList<>(all));
  }

  public boolean isEmpty() {
    return files.isEmpty();
  }
}
