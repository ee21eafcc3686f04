package org.stargzstore.fs.prefetch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.stargzstore.fs.fetch.SharedObjects;

/**
 * Where the files an executable or library links to are in an image: its interpreter, and each
 * {@code DT_NEEDED} name searched the way the dynamic loader searches (a name with a slash as a
 * path relative to the file, else RUNPATH with {@code $ORIGIN} expanded, then the distribution's
 * library directories). One lookup for the entrypoint closure and for the libraries of shared
 * objects that containers load later.
 */
public final class LinkedFiles {
  private LinkedFiles() {}

  /** The files {@code file} (whose links are {@code links}) needs, those present in the image. */
  public static <L> List<MergedView.Found<L>> of(MergedView.Found<L> file, ElfLinks links,
      MergedView<L> view) {
    List<MergedView.Found<L>> out = new ArrayList<>();
    links.interpreter().flatMap(view::resolve).ifPresent(out::add);
    String origin = file.path().substring(0, file.path().lastIndexOf('/'));
    for (String lib : links.needed()) {
      if (lib.contains("/")) {
        view.resolve(lib.startsWith("/") ? lib : origin + "/" + lib).ifPresent(out::add);
        continue;
      }
      firstIn(searchDirs(links.searchPaths(), origin), lib, view).ifPresent(out::add);
    }
    return out;
  }

  /** The C library of the image, searched in the library directories; empty if none. */
  static <L> Optional<MergedView.Found<L>> libc(MergedView<L> view) {
    return firstIn(SharedObjects.LOADER_DIRS, "libc.so.6", view);
  }

  /** {@code name} in the first of {@code dirs} that has it. */
  private static <L> Optional<MergedView.Found<L>> firstIn(List<String> dirs, String name,
      MergedView<L> view) {
    for (String dir : dirs) {
      Optional<MergedView.Found<L>> f = view.resolve(dir + "/" + name);
      if (f.isPresent()) {
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
    dirs.addAll(SharedObjects.LOADER_DIRS);
    return dirs;
  }
}
