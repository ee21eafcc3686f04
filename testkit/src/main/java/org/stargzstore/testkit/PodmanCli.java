package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A podman with storage and registry configuration of its own ({@link PodmanSandbox} for the
 * host's podman 4.3.1, {@link Podman5Sandbox} for podman 5.4 in a {@link Podman5Root}), so a
 * test can run the same commands against both versions and say which one it ran.
 */
public interface PodmanCli extends AutoCloseable {
  /** Which podman this is, for messages: {@code podman 4.3.1}, {@code podman 5.4}. */
  String name();

  /** Runs {@code podman ARGS} (combined output). */
  ExternalTools.Result podman(long timeoutSeconds, String... args) throws IOException;

  /** Runs {@code podman ARGS} with the sandbox's default timeout (combined output). */
  ExternalTools.Result podman(String... args) throws IOException;

  /** {@code podman ARGS}, its output; fails with that output unless podman exits 0. */
  String ok(String... args) throws IOException;

  /** {@code podman run --rm --network none IMAGE CMD...} (with the runtime this host needs). */
  ExternalTools.Result run(String image, String... command) throws IOException;

  /** The sandbox's directory on the host. */
  Path dir();

  /** What {@code hostPath} is seen as by podman (the same path, or its path in a chroot). */
  String inside(Path hostPath);

  /** The host path of {@code podmanPath}, a path podman printed (as {@code image mount} does). */
  Path onHost(String podmanPath);

  /** Removes what podman stored and deletes the sandbox (best effort, never throws). */
  @Override
  void close();
}
