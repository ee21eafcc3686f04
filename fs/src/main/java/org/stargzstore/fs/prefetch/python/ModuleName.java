package org.stargzstore.fs.prefetch.python;

import java.util.Optional;

/**
 * A module's dotted name and whether it is a package: what a relative import in it is relative
 * to ({@code from . import x} in package {@code a.b}'s {@code __init__} means {@code a.b.x}, in
 * module {@code a.b.c} it means {@code a.b.x} too).
 */
public record ModuleName(String name, boolean isPackage) {
  public ModuleName {
    if (name.isEmpty() || name.startsWith(".") || name.endsWith(".")) {
      throw new IllegalArgumentException("not a module name: '" + name + "'");
    }
  }

  /** The program's own code ({@code python -c}, a script): absolute imports only. */
  public static final ModuleName MAIN = new ModuleName("__main__", false);

  /** The package a relative import of {@code level} dots starts from; empty if above the top. */
  public Optional<String> base(int level) {
    String pkg = isPackage ? name : parentOf(name);
    for (int i = 1; i < level; i++) {
      if (pkg.isEmpty()) {
        return Optional.empty();
      }
      pkg = parentOf(pkg);
    }
    return pkg.isEmpty() || this.equals(MAIN) ? Optional.empty() : Optional.of(pkg);
  }

  /**
   * The module a file holds, from its path relative to a search directory: {@code
   * json/__pycache__/decoder.cpython-311.pyc} and {@code json/decoder.py} hold {@code
   * json.decoder}, {@code json/__init__.py} the package {@code json}, {@code
   * _ssl.cpython-311-x86_64-linux-gnu.so} the extension {@code _ssl}. Empty for other files,
   * including another interpreter's or an optimisation level's compiled files.
   */
  static Optional<ModuleName> ofRelativePath(String rel, String cacheTag) {
    String dir = rel.contains("/") ? rel.substring(0, rel.lastIndexOf('/')) : "";
    String base = rel.substring(rel.lastIndexOf('/') + 1);
    String stem;
    if (dir.equals("__pycache__") || dir.endsWith("/__pycache__")) {
      String suffix = "." + cacheTag + ".pyc";
      if (!base.endsWith(suffix)) {
        return Optional.empty();
      }
      dir = dir.substring(0, Math.max(0, dir.length() - "__pycache__".length() - 1));
      stem = base.substring(0, base.length() - suffix.length());
    } else if (base.endsWith(".py") || base.endsWith(".pyc")) {
      stem = base.substring(0, base.lastIndexOf('.'));
    } else if (base.endsWith(".so") && base.indexOf('.') < base.length() - 3) {
      stem = base.substring(0, base.indexOf('.'));
    } else if (base.endsWith(".so")) {
      stem = base.substring(0, base.length() - 3);
    } else {
      return Optional.empty();
    }
    if (stem.isEmpty() || stem.contains(".") || dir.contains(".")) {
      return Optional.empty();
    }
    String pkg = dir.replace('/', '.');
    if (stem.equals("__init__")) {
      return pkg.isEmpty() ? Optional.empty() : Optional.of(new ModuleName(pkg, true));
    }
    return Optional.of(new ModuleName(pkg.isEmpty() ? stem : pkg + "." + stem, false));
  }

  private static String parentOf(String dotted) {
    int dot = dotted.lastIndexOf('.');
    return dot < 0 ? "" : dotted.substring(0, dot);
  }
}
