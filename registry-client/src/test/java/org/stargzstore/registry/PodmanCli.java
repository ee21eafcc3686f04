package org.stargzstore.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TempDirs;

/**
 * The machine's real podman with storage and registries configuration of its own (vfs driver,
 * so nothing stays mounted), for interoperability tests: what podman pushes we must read, what
 * we push podman must pull and run. Never touches the node's images or settings.
 */
final class PodmanCli implements AutoCloseable {
  private final Path dir;
  private final Path storageConf;
  private final Path registriesConf;

  private PodmanCli(Path dir, Path storageConf, Path registriesConf) {
    this.dir = dir;
    this.storageConf = storageConf;
    this.registriesConf = registriesConf;
  }

  /** A sandbox that may use the plain-HTTP registries {@code insecure} ({@code host:port}). */
  static PodmanCli create(List<String> insecure) throws IOException {
    Path dir = Files.createTempDirectory("srs-podman-");
    Path storage = dir.resolve("storage.conf");
    Files.writeString(storage, "[storage]\ndriver = \"vfs\"\ngraphroot = \"" + dir.resolve("graph")
        + "\"\nrunroot = \"" + dir.resolve("run") + "\"\n", StandardCharsets.UTF_8);
    Path registries = dir.resolve("registries.conf");
    StringBuilder r = new StringBuilder("unqualified-search-registries = []\n");
    for (String h : insecure) {
      r.append("[[registry]]\nlocation = \"").append(h).append("\"\ninsecure = true\n");
    }
    Files.writeString(registries, r.toString(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("auth.json"), "{\"auths\":{}}\n", StandardCharsets.UTF_8);
    return new PodmanCli(dir, storage, registries);
  }

  /** Runs {@code podman ARGS}; fails with podman's output if it exits non-zero. */
  ExternalTools.Result run(String... args) throws IOException {
    ExternalTools.Result r = podman(args);
    return r.requireSuccess();
  }

  ExternalTools.Result podman(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("podman", "--cgroup-manager", "cgroupfs",
        "--events-backend", "file"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("CONTAINERS_STORAGE_CONF", storageConf.toString());
    env.put("CONTAINERS_REGISTRIES_CONF", registriesConf.toString());
    env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    env.put("XDG_DATA_HOME", dir.resolve("data").toString());
    env.put("XDG_RUNTIME_DIR", Files.createDirectories(dir.resolve("xdg-run")).toString());
    env.put("REGISTRY_AUTH_FILE", dir.resolve("auth.json").toString());
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
      throw new IOException("interrupted", e);
    }
    return new ExternalTools.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** {@code podman run --rm} through the runc wrapper these machines need. */
  ExternalTools.Result runContainer(String image, String... command) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "--rm", "--network", "none", "--runtime",
        Shared.tool("no-rlimits/runc").toString(), image));
    args.addAll(List.of(command));
    return run(args.toArray(String[]::new));
  }

  @Override
  public void close() {
    try {
      podman("rm", "-a", "-f");
      podman("system", "reset", "-f");
    } catch (IOException e) {
      // best effort
    }
    TempDirs.deleteRecursively(dir);
  }
}
