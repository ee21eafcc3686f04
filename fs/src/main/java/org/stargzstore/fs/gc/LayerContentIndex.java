package org.stargzstore.fs.gc;

import java.io.IOException;
import java.util.Set;
import org.stargzstore.estargz.Digest;

/**
 * What content a layer needs: its TOC blob and the digests of its chunks, read from the TOC the
 * store keeps. The collector asks this for every live layer.
 */
@FunctionalInterface
public interface LayerContentIndex {

  /**
   * The blobs layer {@code layer} needs (its stored TOC and its chunks), or an empty set if the
   * store has no TOC for it (then nothing of it can be protected, and nothing needs to be).
   */
  Set<Digest> contentOf(Digest layer) throws IOException;
}
