package org.stargzstore.fs.als;

import java.util.Objects;
import org.stargzstore.types.Digest;

/**
 * One image of a multi-platform index (OCI image index or Docker manifest list): the platform it
 * is for and its manifest digest. podman pulling {@code --arch}/{@code --platform} of another
 * platform than the daemon's asks, under the index's reference, for layers of one of these.
 *
 * @param platform as the index says, e.g. {@code linux/arm64} or {@code linux/arm/v7}
 */
public record IndexInstance(String platform, Digest manifestDigest) {
  public IndexInstance {
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
  }

  @Override
  public String toString() {
    return platform + " (" + manifestDigest + ")";
  }
}
