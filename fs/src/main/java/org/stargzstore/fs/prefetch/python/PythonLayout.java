package org.stargzstore.fs.prefetch.python;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.fs.prefetch.MergedView;

/**
 * Where one Python interpreter of an image finds its modules, worked out from the image's files
 * the way the interpreter's start-up works it out ({@code sys.path}): {@code PYTHONPATH}, the
 * standard library and {@code lib-dynload} under the interpreter's prefix, then the site
 * directories (a virtual environment's, the prefix's {@code site-packages}, Debian's
 * {@code dist-packages}). Only directories the image has are kept.
 *
 * @param version {@code "3.11"}
 * @param searchPath absolute directories in search order
 */
public record PythonLayout(String version, List<String> searchPath) {
  private static final Pattern VERSIONED = Pattern.compile("python(\\d)\\.(\\d+)");
  private static final Pattern MODULE_DIR = Pattern.compile("^(.*)/lib/python(\\d)\\.(\\d+)/");
  /** The newest minor version probed when an interpreter's name has none ({@code python3}). */
  private static final int NEWEST_MINOR = 20;
  /** Modules CPython 3.11+ runs from its own binary (frozen), never reading their files. */
  private static final Set<String> FROZEN_SINCE_311 = Set.of("_collections_abc",
      "_sitebuiltins", "abc", "codecs", "genericpath", "importlib.machinery", "importlib.util",
      "io", "ntpath", "os", "os.path", "posixpath", "runpy", "site", "stat", "zipimport");

  public PythonLayout {
    searchPath = List.copyOf(searchPath);
  }

  /** The tag of this version's compiled modules: {@code cpython-311}. */
  public String cacheTag() {
    return "cpython-" + version.replace(".", "");
  }

  /** Whether the interpreter runs {@code module} without reading any file for it. */
  public boolean isFrozen(String module) {
    return minor() >= 11 && version.startsWith("3.") && FROZEN_SINCE_311.contains(module);
  }

  /** The site directories, where start-up reads the {@code .pth} files. */
  public List<String> siteDirectories() {
    return searchPath.stream()
        .filter(d -> d.endsWith("/site-packages") || d.endsWith("/dist-packages")).toList();
  }

  private int minor() {
    return Integer.parseInt(version.substring(version.indexOf('.') + 1));
  }

  /**
   * The layout of the interpreter a container runs as {@code interpreter} (the path it was
   * started by, before symlinks: a virtual environment's {@code bin/python} links to its base
   * interpreter but has its own site directory); empty if that is not a Python interpreter the
   * image has.
   *
   * @param firstDir {@code sys.path[0]}: the script's directory, or the working directory for
   *     {@code -c} and {@code -m}; empty for none
   * @param pythonPath the container's {@code PYTHONPATH} (may be empty)
   */
  public static <L> Optional<PythonLayout> ofInterpreter(MergedView<L> view, String interpreter,
      String firstDir, String pythonPath) {
    Optional<MergedView.Found<L>> bin = view.resolve(interpreter);
    if (bin.isEmpty() || bin.get().entry().type() != EntryType.REG) {
      return Optional.empty();
    }
    String resolved = bin.get().path();
    String basePrefix = prefixOf(resolved);
    if (basePrefix == null) {
      return Optional.empty();
    }
    Optional<String> version = versionOf(resolved, basePrefix, view);
    if (version.isEmpty()) {
      return Optional.empty();
    }
    String v = version.get();
    List<String> dirs = new ArrayList<>();
    if (firstDir.startsWith("/") && firstDir.length() > 1) {
      dirs.add(firstDir);
    }
    for (String p : pythonPath.split(":")) {
      if (p.startsWith("/")) {
        dirs.add(p);
      }
    }
    String stdlib = basePrefix + "/lib/python" + v;
    dirs.add(stdlib);
    dirs.add(stdlib + "/lib-dynload");
    String ownPrefix = prefixOf(interpreter);
    if (ownPrefix != null && !ownPrefix.equals(basePrefix)) {
      dirs.add(ownPrefix + "/lib/python" + v + "/site-packages");
    }
    dirs.add(stdlib + "/site-packages");
    dirs.add("/usr/local/lib/python" + v + "/dist-packages");
    dirs.add("/usr/lib/python3/dist-packages");
    dirs.add("/usr/lib/python" + v + "/dist-packages");
    List<String> present = dirs.stream().distinct()
        .filter(d -> view.resolve(d).filter(f -> f.entry().type() == EntryType.DIR).isPresent())
        .toList();
    return present.contains(stdlib) ? Optional.of(new PythonLayout(v, present))
        : Optional.empty();
  }

  /**
   * The layout a module file belongs to ({@code /usr/lib/python3.11/json/decoder.py}): that of the
   * interpreter installed under the same prefix; empty if there is none.
   */
  public static <L> Optional<PythonLayout> ofModuleFile(MergedView<L> view, String path) {
    Matcher m = MODULE_DIR.matcher(path);
    if (!m.find()) {
      return Optional.empty();
    }
    String prefix = m.group(1);
    String versioned = prefix + "/bin/python" + m.group(2) + "." + m.group(3);
    return ofInterpreter(view, versioned, "", "");
  }

  /** The module {@code path} holds, with its package, if it is under one of the directories. */
  public Optional<ModuleName> moduleOf(String path) {
    for (String dir : searchPath) {
      if (path.startsWith(dir + "/")) {
        return ModuleName.ofRelativePath(path.substring(dir.length() + 1), cacheTag());
      }
    }
    return Optional.empty();
  }

  /** {@code /usr/local} for {@code /usr/local/bin/python3}; null if not in a {@code bin}. */
  private static String prefixOf(String program) {
    int slash = program.lastIndexOf('/');
    String dir = slash <= 0 ? "" : program.substring(0, slash);
    if (!dir.endsWith("/bin")) {
      return null;
    }
    return dir.substring(0, dir.length() - "/bin".length());
  }

  private static <L> Optional<String> versionOf(String resolved, String prefix,
      MergedView<L> view) {
    Matcher m = VERSIONED.matcher(resolved.substring(resolved.lastIndexOf('/') + 1));
    if (m.matches()) {
      return Optional.of(m.group(1) + "." + m.group(2));
    }
    if (!resolved.substring(resolved.lastIndexOf('/') + 1).startsWith("python")) {
      return Optional.empty();
    }
    for (int minor = NEWEST_MINOR; minor >= 0; minor--) {
      if (view.resolve(prefix + "/lib/python3." + minor).isPresent()) {
        return Optional.of("3." + minor);
      }
    }
    return Optional.empty();
  }
}
