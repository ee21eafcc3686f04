package org.stargzstore.fs.prefetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.stargzstore.estargz.toc.EntryType;

/**
 * What a container of an image runs, from the image config: its command line ({@code
 * Entrypoint} then {@code Cmd}), environment and working directory. The prefetchers predict
 * reads from it before the container starts.
 *
 * @param argv the command line; empty if the config has none
 * @param env the environment variables the config sets
 * @param workingDir absolute, {@code /} when the config sets none
 */
public record ImageCommand(List<String> argv, Map<String, String> env, String workingDir) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  public ImageCommand {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
  }

  /** The command of {@code config} (an OCI image config); empty parts if it cannot be read. */
  public static ImageCommand of(byte[] config) {
    try {
      JsonNode c = JSON.readTree(config).path("config");
      List<String> argv = new ArrayList<>();
      c.path("Entrypoint").forEach(a -> argv.add(a.asText()));
      c.path("Cmd").forEach(a -> argv.add(a.asText()));
      Map<String, String> env = new LinkedHashMap<>();
      for (JsonNode e : c.path("Env")) {
        String s = e.asText();
        int eq = s.indexOf('=');
        if (eq > 0) {
          env.put(s.substring(0, eq), s.substring(eq + 1));
        }
      }
      String wd = c.path("WorkingDir").asText("");
      return new ImageCommand(argv, env, wd.startsWith("/") ? wd : "/");
    } catch (IOException | RuntimeException e) {
      return new ImageCommand(List.of(), Map.of(), "/");
    }
  }

  /** The program the container runs first; empty if none. */
  public Optional<String> program() {
    return argv.isEmpty() || argv.get(0).isBlank() ? Optional.empty() : Optional.of(argv.get(0));
  }

  /** {@code PATH}, or the runtimes' default when the config sets none. */
  public String path() {
    return env.getOrDefault("PATH", DEFAULT_PATH);
  }

  /** {@code path} as seen from the working directory, normalised ({@code ..} and {@code .}). */
  public String absolute(String path) {
    return "/" + String.join("/", MergedView.normalize(
        path.startsWith("/") ? path : workingDir + "/" + path));
  }

  /** The file {@link #locatedPath} names, symlinks followed. */
  public <L> Optional<MergedView.Found<L>> locate(String program, MergedView<L> view) {
    return locatedPath(program, view).flatMap(view::resolve);
  }

  /**
   * The absolute path {@code program} is started by: a name with a slash as a path (relative to
   * the working directory), else the first regular file of that name in {@code PATH}. Symlinks
   * are not followed in the answer (a virtual environment's interpreter is a link to its base
   * interpreter, but where it is decides the environment).
   */
  public <L> Optional<String> locatedPath(String program, MergedView<L> view) {
    if (program.contains("/")) {
      String p = absolute(program);
      return view.resolve(p).map(f -> p);
    }
    for (String dir : path().split(":")) {
      Optional<MergedView.Found<L>> f = view.resolve(dir + "/" + program);
      if (f.isPresent() && f.get().entry().type() == EntryType.REG) {
        return Optional.of(dir + "/" + program);
      }
    }
    return Optional.empty();
  }
}
