package org.stargzstore.fs.prefetch.python;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.fs.prefetch.MergedView;

/**
 * The files an import statement makes the interpreter read, found in an image the way CPython's
 * path finder finds them: each search directory in turn; in a directory a package (a directory
 * with {@code __init__}) first, then an extension module, then source (whose compiled form in
 * {@code __pycache__} is what is read when the image has it), then a sourceless {@code .pyc}; a
 * directory without {@code __init__} only as a namespace package when no directory has the
 * module. Importing {@code a.b.c} runs the packages {@code a} and {@code a.b} first, so their
 * files come with it. Lookups are remembered: an image's layers do not change.
 *
 * @param <L> what identifies a layer to the caller
 */
public final class PythonModules<L> {
  /** How the interpreter reads a module's file. */
  public enum Kind {
    /** Compiled ({@code .pyc}): unmarshalled. */
    BYTECODE,
    /** Source ({@code .py}): compiled at import. */
    SOURCE,
    /** A shared object: loaded by the dynamic loader, with the libraries it links. */
    EXTENSION
  }

  /** A module and the file of it the interpreter reads. */
  public record ModuleFile<L>(ModuleName module, Kind kind, MergedView.Found<L> file) {}

  /** Where a module was found: its file (none for a namespace package or a frozen module). */
  private record Located<L>(ModuleName module, Optional<ModuleFile<L>> file,
      List<String> packageDirs) {}

  private final PythonLayout layout;
  private final MergedView<L> view;
  private final Map<String, Optional<Located<L>>> located = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> names = new ConcurrentHashMap<>();

  public PythonModules(PythonLayout layout, MergedView<L> view) {
    this.layout = layout;
    this.view = view;
  }

  public PythonLayout layout() {
    return layout;
  }

  public MergedView<L> view() {
    return view;
  }

  /**
   * The files {@code imp}, run by module {@code importer}, makes the interpreter read, packages
   * before their modules, in the order they are imported; what the image does not have is left
   * out (a builtin module, a platform's module, an import in a {@code try}).
   */
  public List<ModuleFile<L>> filesOf(ModuleName importer, PythonImport imp) {
    Optional<String> absolute = imp.level() == 0 ? Optional.of(imp.module())
        : importer.base(imp.level())
            .map(b -> imp.module().isEmpty() ? b : b + "." + imp.module());
    if (absolute.isEmpty() || absolute.get().isEmpty()) {
      return List.of();
    }
    List<ModuleFile<L>> out = new ArrayList<>();
    Optional<Located<L>> target = loadInto(absolute.get(), out);
    if (target.isPresent() && target.get().module().isPackage()) {
      for (String n : imp.fromNames()) {
        if (!n.equals("*") && PythonNames.isIdentifier(n)) {
          locate(absolute.get() + "." + n).flatMap(Located::file).ifPresent(out::add);
        }
      }
    }
    return out;
  }

  /** Adds the files of {@code dotted} and its parent packages; the module, if found. */
  private Optional<Located<L>> loadInto(String dotted, List<ModuleFile<L>> out) {
    String[] parts = dotted.split("\\.");
    Optional<Located<L>> last = Optional.empty();
    StringBuilder name = new StringBuilder();
    for (String part : parts) {
      if (!PythonNames.isIdentifier(part)) {
        return Optional.empty();
      }
      name.append(name.length() == 0 ? "" : ".").append(part);
      last = locate(name.toString());
      if (last.isEmpty()) {
        return Optional.empty();
      }
      last.get().file().ifPresent(out::add);
    }
    return last;
  }

  private Optional<Located<L>> locate(String dotted) {
    Optional<Located<L>> known = located.get(dotted);
    if (known != null) {
      return known;
    }
    Optional<Located<L>> found = find(dotted);
    located.put(dotted, found);
    return found;
  }

  private Optional<Located<L>> find(String dotted) {
    if (layout.isFrozen(dotted)) {
      return Optional.of(new Located<>(new ModuleName(dotted, false), Optional.empty(),
          List.of()));
    }
    int dot = dotted.lastIndexOf('.');
    List<String> dirs;
    if (dot < 0) {
      dirs = layout.searchPath();
    } else {
      Optional<Located<L>> parent = locate(dotted.substring(0, dot));
      if (parent.isEmpty()) {
        return Optional.empty();
      }
      dirs = parent.get().packageDirs();
    }
    String tail = dotted.substring(dot + 1);
    List<String> namespaceDirs = new ArrayList<>();
    for (String dir : dirs) {
      Optional<Located<L>> hit = findIn(dir, dotted, tail, namespaceDirs);
      if (hit.isPresent()) {
        return hit;
      }
    }
    return namespaceDirs.isEmpty() ? Optional.empty()
        : Optional.of(new Located<>(new ModuleName(dotted, true), Optional.empty(),
            namespaceDirs));
  }

  private Optional<Located<L>> findIn(String dir, String dotted, String tail,
      List<String> namespaceDirs) {
    Set<String> here = namesIn(dir);
    if (here.isEmpty()) {
      return Optional.empty();
    }
    String sub = dir + "/" + tail;
    if (here.contains(tail) && isDirectory(sub)) {
      ModuleName pkg = new ModuleName(dotted, true);
      Optional<ModuleFile<L>> init = moduleFile(sub, "__init__", namesIn(sub), pkg);
      if (init.isPresent()) {
        return Optional.of(new Located<>(pkg, init, List.of(sub)));
      }
      namespaceDirs.add(sub);
    }
    ModuleName module = new ModuleName(dotted, false);
    return moduleFile(dir, tail, here, module)
        .map(f -> new Located<>(module, Optional.of(f), List.of()));
  }

  /** {@code stem}'s file in {@code dir}: extension, then source (compiled if cached), then pyc. */
  private Optional<ModuleFile<L>> moduleFile(String dir, String stem, Set<String> here,
      ModuleName module) {
    String soPrefix = stem + ".";
    for (String n : here) {
      if (n.startsWith(soPrefix) && n.endsWith(".so") && isExtensionSuffix(
          n.substring(stem.length(), n.length() - 3))) {
        Optional<ModuleFile<L>> so = regular(dir + "/" + n, module, Kind.EXTENSION);
        if (so.isPresent()) {
          return so;
        }
      }
    }
    if (here.contains(stem + ".py")) {
      String compiled = stem + "." + layout.cacheTag() + ".pyc";
      if (namesIn(dir + "/__pycache__").contains(compiled)) {
        Optional<ModuleFile<L>> pyc = regular(dir + "/__pycache__/" + compiled, module,
            Kind.BYTECODE);
        if (pyc.isPresent()) {
          return pyc;
        }
      }
      return regular(dir + "/" + stem + ".py", module, Kind.SOURCE);
    }
    if (here.contains(stem + ".pyc")) {
      return regular(dir + "/" + stem + ".pyc", module, Kind.BYTECODE);
    }
    return Optional.empty();
  }

  /** {@code ""}, {@code .abi3}, {@code .cpython-311-x86_64-linux-gnu} for this version. */
  private boolean isExtensionSuffix(String middle) {
    String tag = "." + layout.cacheTag();
    return middle.isEmpty() || middle.equals(".abi3") || middle.equals(tag)
        || middle.startsWith(tag + "-");
  }

  private Optional<ModuleFile<L>> regular(String path, ModuleName module, Kind kind) {
    return view.resolve(path).filter(f -> f.entry().type() == EntryType.REG)
        .map(f -> new ModuleFile<>(module, kind, f));
  }

  private boolean isDirectory(String path) {
    return view.resolve(path).filter(f -> f.entry().type() == EntryType.DIR).isPresent();
  }

  private Set<String> namesIn(String dir) {
    return names.computeIfAbsent(dir, view::names);
  }
}
