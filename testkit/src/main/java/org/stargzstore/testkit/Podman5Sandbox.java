package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * podman 5.4 from a {@link Podman5Root}, with storage, registry and credential configuration of
 * its own (the podman 5 twin of {@link PodmanSandbox}): a private graph and run root, optionally
 * an additional layer store and an {@code additional-layer-store-auth-helper}, insecure (plain
 * HTTP) test registries and its own auth file. It lives in a work directory inside the root
 * ({@code /w/ID}), whose {@code bin/} is first on podman's PATH. podman runs as
 * {@code chroot ROOT podman --cgroup-manager cgroupfs} (this host's hybrid cgroup layout).
 */
public final class Podman5Sandbox implements PodmanCli {
  private static final long DEFAULT_TIMEOUT_SECONDS = 300;
  private static final String SYSTEM_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final Podman5Root root;
  private final Path dir;
  private final Map<String, String> env;

  private Podman5Sandbox(Podman5Root root, Path dir, Map<String, String> env) {
    this.root = root;
    this.dir = dir;
    this.env = Map.copyOf(env);
  }

  public static Builder builder(Podman5Root root) {
    return new Builder(root);
  }

  /** What a sandbox is made of; {@link #create} writes its configuration files. */
  public static final class Builder {
    private final Podman5Root root;
    private Path layerStore;
    private Boolean partialPulls;
    private String authHelper;
    private List<String> insecure = List.of();
    private final Map<String, String> env = new LinkedHashMap<>();

    private Builder(Podman5Root root) {
      this.root = root;
    }

    /** A mounted additional layer store (host path, inside the root), or null for none. */
    public Builder layerStore(Path v) {
      layerStore = v;
      return this;
    }

    /**
     * Whether containers/storage may pull zstd:chunked (and eStargz) layers partially; null
     * (default) leaves podman 5's own default (partial pulls on), false makes every pull a full
     * one, the reference a lazily served layer is compared with.
     */
    public Builder partialPulls(Boolean v) {
      partialPulls = v;
      return this;
    }

    /**
     * registries.conf's {@code additional-layer-store-auth-helper}: a name podman looks up on its
     * PATH (put the file in {@link #bin()}) or an absolute path inside the root; null for none.
     */
    public Builder authHelper(String v) {
      authHelper = v;
      return this;
    }

    /** {@code host:port} of plain-HTTP registries podman may use. */
    public Builder insecure(List<String> v) {
      insecure = List.copyOf(v);
      return this;
    }

    /** An environment variable for podman (and so for the helpers it runs). */
    public Builder env(String name, String value) {
      env.put(name, value);
      return this;
    }

    public Podman5Sandbox create() throws IOException {
      Path d = root.newWorkDir();
      String in = root.inside(d);
      StringBuilder s = new StringBuilder()
          .append("[storage]\n")
          .append("driver = \"overlay\"\n")
          .append("graphroot = \"").append(in).append("/graph\"\n")
          .append("runroot = \"").append(in).append("/run\"\n")
          .append("[storage.options]\n");
      if (layerStore != null) {
        s.append("additionallayerstores = [\"").append(root.inside(layerStore))
            .append(":ref\"]\n");
      }
      if (partialPulls != null) {
        s.append("pull_options = {enable_partial_images = \"").append(partialPulls)
            .append("\"}\n");
      }
      s.append("[storage.options.overlay]\nmountopt = \"nodev\"\n");
      Files.writeString(d.resolve("storage.conf"), s.toString(), StandardCharsets.UTF_8);
      SandboxRegistries.write(d, authHelper, insecure);
      Files.createDirectories(d.resolve("bin"));
      Files.createDirectories(d.resolve("xdg-run"));
      Map<String, String> e = new LinkedHashMap<>();
      e.put("PATH", in + "/bin:" + SYSTEM_PATH);
      e.put("HOME", "/root");
      e.put("PODMAN_IGNORE_CGROUPSV1_WARNING", "1");
      e.put("CONTAINERS_STORAGE_CONF", in + "/storage.conf");
      e.put("CONTAINERS_REGISTRIES_CONF", in + "/registries.conf");
      e.put("REGISTRY_AUTH_FILE", in + "/auth.json");
      e.put("XDG_CONFIG_HOME", in + "/config");
      e.put("XDG_DATA_HOME", in + "/data");
      e.put("XDG_RUNTIME_DIR", in + "/xdg-run");
      e.putAll(env);
      return new Podman5Sandbox(root, d, e);
    }
  }

  @Override
  public String name() {
    return "podman 5.4";
  }

  /** The sandbox's directory on the host (inside the root). */
  @Override
  public Path dir() {
    return dir;
  }

  /** The directory first on podman's PATH (host path). */
  public Path bin() {
    return dir.resolve("bin");
  }

  /** What {@code hostPath} (in the root) is seen as by podman. */
  @Override
  public String inside(Path hostPath) {
    return root.inside(hostPath);
  }

  /** A path podman printed (inside the root) as the host sees it. */
  @Override
  public Path onHost(String podmanPath) {
    return root.path().resolve(Path.of("/").relativize(Path.of(podmanPath)));
  }

  /** Runs {@code podman ARGS} in the root with this sandbox's configuration (combined output). */
  @Override
  public ExternalTools.Result podman(String... args) throws IOException {
    return podman(DEFAULT_TIMEOUT_SECONDS, args);
  }

  /** Runs {@code podman ARGS} in the root with this sandbox's configuration (combined output). */
  @Override
  public ExternalTools.Result podman(long timeoutSeconds, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("/usr/sbin/chroot", root.path().toString(),
        "podman", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
        // Its own libpod tmp dir, not the root's shared /run/libpod (see PodmanSandbox).
        "--tmpdir", inside(dir.resolve("libpod-tmp"))));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    pb.environment().putAll(env);
    return ExternalTools.run(pb, timeoutSeconds);
  }

  /** {@code podman ARGS}, its output; fails with that output unless podman exits 0. */
  @Override
  public String ok(String... args) throws IOException {
    return podman(args).requireSuccess().output();
  }

  /** {@code podman run --rm --network none IMAGE CMD...}. */
  @Override
  public ExternalTools.Result run(String image, String... command) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "--rm", "--network", "none", image));
    args.addAll(List.of(command));
    return podman(args.toArray(String[]::new));
  }

  /** Removes what podman stored (unmounting its overlays) and deletes the sandbox. */
  @Override
  public void close() {
    try {
      podman(120, "rm", "-a", "-f");
      podman(120, "image", "unmount", "--all");
      podman(120, "rmi", "-a", "-f");
      podman(120, "system", "reset", "-f");
    } catch (IOException e) {
      // best effort
    }
    TempDirs.deleteRecursively(dir);
  }
}
