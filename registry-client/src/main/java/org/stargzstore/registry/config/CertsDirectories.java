package org.stargzstore.registry.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The certs.d roots searched for a registry's TLS files, in order; as in containers/image only
 * the first root that has a {@code HOST[:PORT]} directory is used for that host.
 */
public record CertsDirectories(List<Path> roots) {
  public CertsDirectories {
    roots = List.copyOf(roots);
  }

  /** The directory holding {@code hostPort}'s CA and client files, if any root has one. */
  public Optional<Path> dirFor(String hostPort) {
    for (Path root : roots) {
      Path d = root.resolve(hostPort);
      if (Files.isDirectory(d)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }
}
