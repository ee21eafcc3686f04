package org.stargzstore.fs.prefetch.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.fs.prefetch.ImageCommand;
import org.stargzstore.fs.prefetch.MergedView;
import org.stargzstore.fs.prefetch.Shebang;

/**
 * Starts the import follower of an image whose container runs Python: from the image config,
 * the interpreter (the program itself, or a script's {@code #!} line) and what it runs; then
 * what the interpreter imports before the program ({@code encodings}, the {@code site} start-up
 * and the {@code .pth} files it executes), and the program's own imports ({@code -c} code, the
 * script, the {@code -m} module), all fetched before the container has started. An image that
 * has Python but runs something else still gets a follower, started by the modules containers
 * open.
 */
public final class PythonStartUp {
  private static final Logger LOG = Logger.getLogger(PythonStartUp.class.getName());
  private static final Pattern INTERPRETER = Pattern.compile("python(\\d(\\.\\d+)?)?");
  /** Where an image's Python usually is, when its command is not Python. */
  private static final List<String> USUAL_INTERPRETERS =
      List.of("/usr/local/bin/python3", "/usr/bin/python3");
  /** What the interpreter imports itself: its codecs, and the one stdio uses (UTF-8). */
  private static final List<String> CORE_MODULES = List.of("encodings", "encodings.utf_8");
  /** What the {@code site} start-up imports when the image has it. */
  private static final List<String> SITE_MODULES =
      List.of("site", "sitecustomize", "usercustomize");
  private static final int SHEBANG_BYTES = 256;

  private PythonStartUp() {}

  /** The interpreter a command runs and its arguments (a script's path first for {@code #!}). */
  private record Invocation(String interpreter, List<String> args) {}

  /**
   * Starts following the imports of {@code command}'s Python program, if it runs one (work on
   * {@code executor}); the follower is returned for the modules containers open. Empty if the
   * image has no Python interpreter.
   *
   * @param linkedHere told of each shared object whose links the follower fetches itself
   */
  public static <L> Optional<PythonImportFollower<L>> begin(String name, ImageCommand command,
      MergedView<L> view, ModuleFiles<L> files, Executor executor,
      Consumer<String> linkedHere) {
    Optional<Invocation> run = invocation(command, view, files);
    String pythonPath = command.env().getOrDefault("PYTHONPATH", "");
    Optional<PythonCommand> program = run.map(r -> PythonCommand.parse(r.args()));
    String firstDir = program.flatMap(PythonCommand::script)
        .map(command::absolute)
        .map(s -> s.substring(0, Math.max(1, s.lastIndexOf('/'))))
        .orElse(command.workingDir());
    Optional<PythonLayout> own = run.flatMap(
        r -> PythonLayout.ofInterpreter(view, r.interpreter(), firstDir, pythonPath));
    Optional<PythonCommand> runs = own.isPresent() ? program : Optional.empty();
    Optional<PythonLayout> layout = own.isPresent() ? own
        : USUAL_INTERPRETERS.stream()
            .map(usual -> PythonLayout.ofInterpreter(view, usual, "", pythonPath))
            .flatMap(Optional::stream).findFirst();
    if (layout.isEmpty()) {
      return Optional.empty();
    }
    PythonLayout found = layout.get();
    PythonImportFollower<L> follower = new PythonImportFollower<>(name,
        new PythonModules<>(found, view), files, executor, linkedHere);
    runs.ifPresent(p -> {
      LOG.fine(() -> name + ": the container runs Python " + found.version() + " (" + p
          + "): prefetching what it imports");
      try {
        executor.execute(() -> followStartUp(follower, p, command, view, files, executor, name));
      } catch (RejectedExecutionException e) {
        // shutting down
      }
    });
    return Optional.of(follower);
  }

  private static <L> void followStartUp(PythonImportFollower<L> follower, PythonCommand p,
      ImageCommand command, MergedView<L> view, ModuleFiles<L> files, Executor executor,
      String name) {
    try {
      follower.follow(ModuleName.MAIN, imports(CORE_MODULES));
      if (p.site()) {
        follower.follow(ModuleName.MAIN, imports(SITE_MODULES));
        followPthFiles(follower, view, files, executor);
      }
      p.code().ifPresent(code -> follower.follow(ModuleName.MAIN, PySourceImports.of(code)));
      // -m runs a package's __main__ (runpy imports the package first)
      p.module().ifPresent(m -> follower.follow(ModuleName.MAIN,
          List.of(new PythonImport(m, 0, List.of("__main__")))));
      p.script().flatMap(s -> view.resolve(command.absolute(s)))
          .filter(f -> f.entry().type() == EntryType.REG)
          .ifPresent(script -> files.fetch(List.of(script)).get(0).thenRunAsync(() -> {
            try {
              follower.follow(ModuleName.MAIN, PySourceImports.of(new String(
                  files.read(script, PythonImportFollower.MAX_PARSED_BYTES),
                  StandardCharsets.UTF_8)));
            } catch (IOException | RuntimeException e) {
              LOG.log(Level.FINE, name + ": cannot read the script " + script.path(), e);
            }
          }, executor));
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, name + ": Python start-up prefetch stopped", e);
    }
  }

  /** The {@code .pth} files of the site directories: their {@code import} lines run too. */
  private static <L> void followPthFiles(PythonImportFollower<L> follower, MergedView<L> view,
      ModuleFiles<L> files, Executor executor) {
    List<MergedView.Found<L>> pth = new ArrayList<>();
    for (String dir : follower.layout().siteDirectories()) {
      for (String n : view.names(dir)) {
        if (n.endsWith(".pth")) {
          view.resolve(dir + "/" + n).filter(f -> f.entry().type() == EntryType.REG)
              .ifPresent(pth::add);
        }
      }
    }
    if (pth.isEmpty()) {
      return;
    }
    var arrivals = files.fetch(pth);
    for (int i = 0; i < pth.size(); i++) {
      MergedView.Found<L> f = pth.get(i);
      arrivals.get(i).thenRunAsync(() -> {
        try {
          for (String line : new String(files.read(f, 1 << 20), StandardCharsets.UTF_8)
              .split("\n")) {
            if (line.startsWith("import ") || line.startsWith("import\t")) {
              follower.follow(ModuleName.MAIN, PySourceImports.of(line));
            }
          }
        } catch (IOException | RuntimeException e) {
          LOG.log(Level.FINE, "cannot read " + f.path(), e);
        }
      }, executor);
    }
  }

  private static List<PythonImport> imports(List<String> modules) {
    return modules.stream().map(PythonImport::of).toList();
  }

  /** The interpreter the command runs, directly or through a script's {@code #!} line. */
  private static <L> Optional<Invocation> invocation(ImageCommand command, MergedView<L> view,
      ModuleFiles<L> files) {
    Optional<String> program = command.program();
    if (program.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> path = command.locatedPath(program.get(), view);
    Optional<MergedView.Found<L>> file = path.flatMap(view::resolve)
        .filter(f -> f.entry().type() == EntryType.REG);
    if (file.isEmpty()) {
      return Optional.empty();
    }
    List<String> rest = command.argv().subList(1, command.argv().size());
    if (isInterpreter(file.get().path()) || isInterpreter(path.get())) {
      return Optional.of(new Invocation(path.get(), rest));
    }
    return shebang(file.get(), files).flatMap(line -> {
      List<String> words = new ArrayList<>();
      words.add(line.interpreter());
      words.addAll(line.args());
      if (words.get(0).endsWith("/env") && words.size() > 1) {
        words.remove(0);
        if (words.get(0).equals("-S") && words.size() > 1) {
          words.remove(0);
        }
        Optional<String> located = command.locatedPath(words.get(0), view);
        if (located.isEmpty()) {
          return Optional.empty();
        }
        words.set(0, located.get());
      }
      if (!isInterpreter(words.get(0))) {
        return Optional.empty();
      }
      List<String> args = new ArrayList<>(words.subList(1, words.size()));
      args.add(path.get());
      args.addAll(rest);
      return Optional.of(new Invocation(words.get(0), args));
    });
  }

  private static boolean isInterpreter(String path) {
    return INTERPRETER.matcher(path.substring(path.lastIndexOf('/') + 1)).matches();
  }

  private static <L> Optional<Shebang> shebang(MergedView.Found<L> file, ModuleFiles<L> files) {
    if (file.entry().size() < 3) {
      return Optional.empty();
    }
    try {
      return Shebang.of(files.read(file, SHEBANG_BYTES));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
