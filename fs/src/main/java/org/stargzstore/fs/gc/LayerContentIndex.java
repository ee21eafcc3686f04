package org.stargzstore.fs.gc;

import java.io.IOException;
import java.util.Set;
import org.stargzstore.types.Digest;

/**
 * What content a layer needs: its TOC blob and the digests of its chunks, read from the TOC the
 * store keeps, and its whole blob if that is stored. The collector asks this for every live layer.
 */
@FunctionalInterface
public interface LayerContentIndex {

  /**
   * The blobs layer {@code layer} needs: its stored TOC and its chunks (none if the store has no
   * TOC for it), and its whole blob, which is stored under the layer digest once the layer's
   * {@code blob} file was read. Naming a blob that is not stored is harmless.
   */
  Set<Digest> contentOf(Digest layer) throws IOException;
}
