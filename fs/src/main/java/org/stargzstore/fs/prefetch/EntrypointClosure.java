package org.stargzstore.fs.prefetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.stargzstore.estargz.toc.EntryType;

/**
 * The files a container reads before its program's first instruction: the entrypoint (from the
 * image config, found through PATH), its ELF interpreter or {@code #!} interpreter, and the
 * libraries they link, transitively, searched where the dynamic loader searches (RUNPATH with
 * {@code $ORIGIN}, then the distribution's library directories). These are certain to be read,
 * and podman spends a second setting up the container before it execs: time enough to fetch
 * them all.
 */
public final class EntrypointClosure {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_FILES = 64;
  private static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final List<String> LIBRARY_DIRS = List.of("/lib/x86_64-linux-gnu",
      "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
      "/usr/local/lib", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu");
  /** Small files podman reads from the image to set the container up. */
  private static final List<String> SETUP_FILES = List.of("/etc/passwd", "/etc/group");

  /** Fetches a found file (asynchronously) and reads its bytes (for parsing). */
  public interface Files<L> {
    void fetch(MergedView.Found<L> file);

    ElfLinks.Bytes bytes(MergedView.Found<L> file);
  }

  private EntrypointClosure() {}

  /** The program a container of this image runs first, from its config; empty if unknown. */
  static Optional<String> program(byte[] config) {
    try {
      JsonNode c = JSON.readTree(config).path("config");
      JsonNode entry = c.path("Entrypoint");
      JsonNode cmd = c.path("Cmd");
      String first = entry.isArray() && entry.size() > 0 ? entry.get(0).asText()
          : cmd.isArray() && cmd.size() > 0 ? cmd.get(0).asText() : null;
      return Optional.ofNullable(first).filter(s -> !s.isBlank());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static String pathVariable(byte[] config) {
    try {
      for (JsonNode e : JSON.readTree(config).path("config").path("Env")) {
        String s = e.asText();
        if (s.startsWith("PATH=")) {
          return s.substring(5);
        }
      }
    } catch (IOException e) {
      // default
    }
    return DEFAULT_PATH;
  }

  /**
   * Finds and fetches the closure; returns the paths found, in the order they were scheduled.
   */
  public static <L> List<String> fetch(byte[] config, MergedView<L> view, Files<L> files) {
    Set<String> done = new LinkedHashSet<>();
    for (String s : SETUP_FILES) {
      view.resolve(s).ifPresent(f -> {
        files.fetch(f);
        done.add(f.path());
      });
    }
    Optional<String> program = program(config);
    if (program.isEmpty()) {
      return new ArrayList<>(done);
    }
    Deque<MergedView.Found<L>> queue = new ArrayDeque<>();
    locateProgram(program.get(), pathVariable(config), view).ifPresent(queue::add);
    while (!queue.isEmpty() && done.size() < MAX_FILES) {
      MergedView.Found<L> f = queue.poll();
      if (!done.add(f.path()) || f.entry().type() != EntryType.REG) {
        continue;
      }
      files.fetch(f);
      ElfLinks links = ElfLinks.of(files.bytes(f));
      links.interpreter().flatMap(view::resolve).ifPresent(queue::add);
      String origin = f.path().substring(0, f.path().lastIndexOf('/'));
      for (String lib : links.needed()) {
        if (lib.contains("/")) {
          view.resolve(lib.startsWith("/") ? lib : origin + "/" + lib).ifPresent(queue::add);
          continue;
        }
        for (String dir : searchDirs(links.searchPaths(), origin)) {
          Optional<MergedView.Found<L>> found = view.resolve(dir + "/" + lib);
          if (found.isPresent()) {
            queue.add(found.get());
            break;
          }
        }
      }
    }
    return new ArrayList<>(done);
  }

  private static <L> Optional<MergedView.Found<L>> locateProgram(String program, String path,
      MergedView<L> view) {
    if (program.contains("/")) {
      return view.resolve(program.startsWith("/") ? program : "/" + program);
    }
    for (String dir : path.split(":")) {
      Optional<MergedView.Found<L>> f = view.resolve(dir + "/" + program);
      if (f.isPresent() && f.get().entry().type() == EntryType.REG) {
        return f;
      }
    }
    return Optional.empty();
  }

  private static List<String> searchDirs(List<String> runpath, String origin) {
    List<String> dirs = new ArrayList<>();
    for (String p : runpath) {
      dirs.add(p.replace("$ORIGIN", origin).replace("${ORIGIN}", origin));
    }
    dirs.addAll(LIBRARY_DIRS);
    return dirs;
  }
}
