package org.stargzstore.fs.als;

import java.io.IOException;
import org.stargzstore.estargz.layer.LayerDescriptor;
import org.stargzstore.fs.fetch.BlobSource;

/**
 * Where images come from: the registry client in the daemon. The layer store depends on this
 * boundary only, so it never sees HTTP, credentials or mirrors.
 */
public interface ImageSource {

  /**
   * Normalises a reference the way containers/image does ({@code busybox} ->
   * {@code docker.io/library/busybox:latest}).
   *
   * @throws IllegalArgumentException with the reason if it is not a valid reference
   */
  String normalize(String reference);

  /** Resolves a normalised reference to this node's image (fetching manifest and config). */
  ResolvedImage resolve(String reference) throws IOException;

  /** Random and streaming access to one layer blob of {@code image}. */
  BlobSource openBlob(ResolvedImage image, LayerDescriptor layer) throws IOException;
}
