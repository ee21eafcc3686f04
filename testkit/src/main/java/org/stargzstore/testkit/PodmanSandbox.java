package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the machine's real podman (4.3.1 here) against storage and registry configuration of its
 * own, so tests never touch the node's images or settings: a private graph root and run root,
 * optionally an additional layer store, insecure (plain HTTP) test registries, and the runc
 * wrapper that these VMs need ({@code shared/tools/no-rlimits/runc}).
 */
public final class PodmanSandbox implements AutoCloseable {
  private final Path dir;
  private final Path storageConf;
  private final Path registriesConf;

  private PodmanSandbox(Path dir, Path storageConf, Path registriesConf) {
    this.dir = dir;
    this.storageConf = storageConf;
    this.registriesConf = registriesConf;
  }

  /**
   * @param additionalLayerStore a mounted layer store, or null for plain podman
   * @param insecureRegistries {@code host:port} of plain-HTTP registries podman may use
   */
  public static PodmanSandbox create(Path additionalLayerStore, List<String> insecureRegistries)
      throws IOException {
    Path dir = Files.createTempDirectory("srs-podman-");
    Path storageConf = dir.resolve("storage.conf");
    StringBuilder s = new StringBuilder()
        .append("[storage]\n")
        .append("driver = \"overlay\"\n")
        .append("graphroot = \"").append(dir.resolve("graph")).append("\"\n")
        .append("runroot = \"").append(dir.resolve("run")).append("\"\n")
        .append("[storage.options]\n");
    if (additionalLayerStore != null) {
      s.append("additionallayerstores = [\"").append(additionalLayerStore.toAbsolutePath())
          .append(":ref\"]\n");
    }
    s.append("[storage.options.overlay]\nmountopt = \"nodev\"\n");
    Files.writeString(storageConf, s.toString(), StandardCharsets.UTF_8);
    Path registriesConf = dir.resolve("registries.conf");
    StringBuilder r = new StringBuilder("unqualified-search-registries = []\n");
    for (String reg : insecureRegistries) {
      r.append("[[registry]]\nlocation = \"").append(reg).append("\"\ninsecure = true\n");
    }
    Files.writeString(registriesConf, r.toString(), StandardCharsets.UTF_8);
    return new PodmanSandbox(dir, storageConf, registriesConf);
  }

  public Path dir() {
    return dir;
  }

  /** The runc wrapper for VMs that deny setrlimit. */
  public static Path runtime() {
    return Shared.tool("no-rlimits/runc");
  }

  /** Runs {@code podman ARGS} with this sandbox's configuration. */
  public ExternalTools.Result podman(long timeoutSeconds, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("podman", "--cgroup-manager", "cgroupfs",
        "--events-backend", "file"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("CONTAINERS_STORAGE_CONF", storageConf.toString());
    env.put("CONTAINERS_REGISTRIES_CONF", registriesConf.toString());
    env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    env.put("XDG_DATA_HOME", dir.resolve("data").toString());
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("podman timed out after " + timeoutSeconds + " s: " + cmd);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new ExternalTools.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** {@code podman run --rm --runtime WRAPPER IMAGE CMD...}. */
  public ExternalTools.Result run(String image, String... command) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "--rm", "--network", "none",
        "--runtime", runtime().toString(), image));
    args.addAll(List.of(command));
    return podman(300, args.toArray(String[]::new));
  }

  /** Removes everything podman stored (unmounting its overlay mounts first). */
  @Override
  public void close() {
    try {
      podman(120, "rm", "-a", "-f");
      podman(120, "rmi", "-a", "-f");
      podman(60, "system", "reset", "-f");
    } catch (IOException e) {
      // best effort
    }
    TempDirs.deleteRecursively(dir);
  }
}
