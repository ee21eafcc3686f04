package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the machine's real podman (4.3.1 here) against storage, registry and credential
 * configuration of its own, so tests never touch the node's images or settings: a private graph
 * root and run root (overlay, or vfs where nothing may stay mounted), optionally an additional
 * layer store and partial (zstd:chunked) pulls, insecure (plain HTTP) test registries, an empty
 * auth file, and the runc wrapper that these VMs need ({@code tools/no-rlimits/runc}).
 */
public final class PodmanSandbox implements PodmanCli {
  private static final long DEFAULT_TIMEOUT_SECONDS = 300;

  private final Path dir;
  private final String driver;
  private final Path storageConf;
  private final Path registriesConf;

  private PodmanSandbox(Path dir, String driver, Path storageConf, Path registriesConf) {
    this.dir = dir;
    this.driver = driver;
    this.storageConf = storageConf;
    this.registriesConf = registriesConf;
  }

  /**
   * An overlay sandbox.
   *
   * @param additionalLayerStore a mounted layer store, or null for plain podman
   * @param insecureRegistries {@code host:port} of plain-HTTP registries podman may use
   */
  public static PodmanSandbox create(Path additionalLayerStore, List<String> insecureRegistries)
      throws IOException {
    return builder().layerStore(additionalLayerStore).insecure(insecureRegistries).create();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** What a sandbox is made of; {@link #create} writes its configuration files. */
  public static final class Builder {
    private Path dir;
    private String driver = "overlay";
    private boolean partialPulls;
    private Path layerStore;
    private List<String> insecure = List.of();

    private Builder() {}

    /** Where the sandbox lives (created if missing); default: a new temporary directory. */
    public Builder dir(Path v) {
      dir = v;
      return this;
    }

    /** {@code overlay} (default) or {@code vfs} (works everywhere, nothing stays mounted). */
    public Builder driver(String v) {
      driver = v;
      return this;
    }

    /** Let containers/storage pull zstd:chunked layers partially (overlay only). */
    public Builder partialPulls(boolean v) {
      partialPulls = v;
      return this;
    }

    /** A mounted additional layer store (ref-suffixed), or null for none. */
    public Builder layerStore(Path v) {
      layerStore = v;
      return this;
    }

    /** {@code host:port} of plain-HTTP registries podman may use. */
    public Builder insecure(List<String> v) {
      insecure = List.copyOf(v);
      return this;
    }

    public PodmanSandbox create() throws IOException {
      Path d = dir == null ? Files.createTempDirectory("srs-podman-") : Files.createDirectories(dir);
      StringBuilder s = new StringBuilder()
          .append("[storage]\n")
          .append("driver = \"").append(driver).append("\"\n")
          .append("graphroot = \"").append(d.resolve("graph")).append("\"\n")
          .append("runroot = \"").append(d.resolve("run")).append("\"\n")
          .append("[storage.options]\n");
      if (layerStore != null) {
        s.append("additionallayerstores = [\"").append(layerStore.toAbsolutePath())
            .append(":ref\"]\n");
      }
      s.append("pull_options = {enable_partial_images = \"").append(partialPulls)
          .append("\", use_hard_links = \"false\"}\n");
      if (driver.equals("overlay")) {
        s.append("[storage.options.overlay]\nmountopt = \"nodev\"\n");
      }
      Path storageConf = d.resolve("storage.conf");
      Files.writeString(storageConf, s.toString(), StandardCharsets.UTF_8);
      Path registriesConf = SandboxRegistries.write(d, null, insecure);
      return new PodmanSandbox(d, driver, storageConf, registriesConf);
    }
  }

  @Override
  public String name() {
    return "podman 4.3.1";
  }

  @Override
  public Path dir() {
    return dir;
  }

  /** The host's podman sees the host's paths as they are. */
  @Override
  public String inside(Path hostPath) {
    return hostPath.toAbsolutePath().toString();
  }

  @Override
  public Path onHost(String podmanPath) {
    return Path.of(podmanPath);
  }

  /** The runc wrapper for VMs that deny setrlimit ({@code tools/no-rlimits/runc}). */
  public static Path runtime() {
    return Shared.tool("no-rlimits/runc");
  }

  /** Runs {@code podman ARGS} with this sandbox's configuration (combined output). */
  @Override
  public ExternalTools.Result podman(String... args) throws IOException {
    return podman(DEFAULT_TIMEOUT_SECONDS, args);
  }

  /** Runs {@code podman ARGS} with this sandbox's configuration (combined output). */
  @Override
  public ExternalTools.Result podman(long timeoutSeconds, String... args) throws IOException {
    // Its own libpod tmp dir (default /run/libpod): podmans of other sandboxes, benchmarks or
    // the host would otherwise share its alive lock, exit files and events log.
    List<String> cmd = new ArrayList<>(List.of("podman", "--cgroup-manager", "cgroupfs",
        "--events-backend", "file", "--tmpdir", dir.resolve("libpod-tmp").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("CONTAINERS_STORAGE_CONF", storageConf.toString());
    env.put("CONTAINERS_REGISTRIES_CONF", registriesConf.toString());
    env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    env.put("XDG_DATA_HOME", dir.resolve("data").toString());
    env.put("XDG_RUNTIME_DIR", Files.createDirectories(dir.resolve("xdg-run")).toString());
    env.put("REGISTRY_AUTH_FILE", dir.resolve("auth.json").toString());
    return ExternalTools.run(pb, timeoutSeconds);
  }

  /** {@code podman ARGS}, its output; fails with that output unless podman exits 0. */
  @Override
  public String ok(String... args) throws IOException {
    return podman(args).requireSuccess().output();
  }

  /**
   * {@code podman run --rm --runtime WRAPPER IMAGE CMD...}. Run once more if podman lost the
   * container's exit code ({@code getting exit code of container ...: no such exit code}, exit
   * 127 after the command's output): a race of podman 4.3.1's own with {@code --rm} on a loaded
   * machine, not something a test checks.
   */
  @Override
  public ExternalTools.Result run(String image, String... command) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "--rm", "--network", "none",
        "--runtime", runtime().toString(), image));
    args.addAll(List.of(command));
    ExternalTools.Result r = podman(args.toArray(String[]::new));
    if (r.exitCode() != 0 && r.output().contains("no such exit code")) {
      r = podman(args.toArray(String[]::new));
    }
    return r;
  }

  /**
   * Removes what podman stored and deletes the sandbox. An overlay sandbox is reset (which
   * unmounts its storage); a vfs one needs no reset, which would also remove podman networks.
   */
  @Override
  public void close() {
    try {
      podman(120, "rm", "-a", "-f");
      podman(120, "image", "unmount", "--all");
      podman(120, "rmi", "-a", "-f");
      if (driver.equals("overlay")) {
        podman(60, "system", "reset", "-f");
      }
    } catch (IOException e) {
      // best effort
    }
    TempDirs.deleteRecursively(dir);
  }
}
