package org.stargzstore.fs.profile;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.stargzstore.types.Digest;

/**
 * Where access profiles are shared between nodes: beside the image in its registry. The daemon
 * reads (by default) and writes (only if asked: it writes to the user's repository) through it.
 */
public interface ProfileRegistry {

  /** The image manifest a profile refers to. */
  record Subject(String reference, Digest digest, long size, String mediaType) {}

  /**
   * The newest profile published for {@code subject}, if any.
   *
   * @throws IOException if the registry fails or what it has is not a valid profile of it
   */
  Optional<List<LayerProfile>> fetch(Subject subject) throws IOException;

  /**
   * Publishes {@code profiles} for {@code subject}.
   *
   * @throws IOException if the registry refuses (no write permission) or fails
   */
  void publish(Subject subject, List<LayerProfile> profiles) throws IOException;
}
