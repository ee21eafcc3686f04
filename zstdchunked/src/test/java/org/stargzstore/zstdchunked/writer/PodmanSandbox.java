package org.stargzstore.zstdchunked.writer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TempDirs;

/**
 * podman 4.3.1 with its own storage (graph root, run root, storage.conf) under a test directory,
 * so tests neither see nor touch the machine's images. Containers run with the runc wrapper from
 * {@code shared/tools/no-rlimits}.
 */
final class PodmanSandbox implements AutoCloseable {
  private final Path dir;
  private final Path storageConf;

  /**
   * @param driver {@code vfs} (works everywhere) or {@code overlay}
   * @param partialPulls let containers/storage pull zstd:chunked layers partially (overlay only)
   */
  PodmanSandbox(Path dir, String driver, boolean partialPulls) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.storageConf = dir.resolve("storage.conf");
    Files.writeString(storageConf, "[storage]\n"
        + "driver = \"" + driver + "\"\n"
        + "runroot = \"" + dir.resolve("run") + "\"\n"
        + "graphroot = \"" + dir.resolve("root") + "\"\n"
        + "[storage.options]\n"
        + "pull_options = {enable_partial_images = \"" + partialPulls
        + "\", use_hard_links = \"false\"}\n");
  }

  /** Runs {@code podman ARGS} with this sandbox's storage; combined output. */
  ExternalTools.Result podman(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("podman"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("CONTAINERS_STORAGE_CONF", storageConf.toString());
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("podman timed out: " + cmd);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return new ExternalTools.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** Like {@link #podman} but fails with podman's output unless it exits 0. */
  String ok(String... args) throws IOException {
    ExternalTools.Result r = podman(args);
    if (r.exitCode() != 0) {
      throw new AssertionError("podman " + String.join(" ", args) + " failed:\n" + r.output());
    }
    return r.output();
  }

  /** {@code podman run --rm} with the runc wrapper that does not set rlimits. */
  String run(String image, String... command) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime",
        Shared.tool("no-rlimits/runc").toString(), "--network", "none", image));
    args.addAll(List.of(command));
    return ok(args.toArray(String[]::new));
  }

  /**
   * Removes this sandbox's images and containers and deletes its directory. Not
   * {@code podman system reset}: that also deletes the machine's podman networks.
   */
  @Override
  public void close() throws IOException {
    podman("image", "unmount", "--all");
    podman("rmi", "--all", "--force");
    TempDirs.deleteRecursively(dir);
  }
}
