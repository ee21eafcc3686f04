package org.stargzstore.fs.fetch;

import java.util.List;

/**
 * What the dynamic loader loads by name: shared objects, and the directories it searches by
 * default. Blob order says nothing about which of them a program needs next, so the fetcher's
 * read-ahead and neighbour fetches leave them alone, and the prefetcher resolves a program's
 * libraries through these directories instead.
 */
public final class SharedObjects {
  /** The loader's default search directories (glibc multiarch and classic, musl), absolute. */
  public static final List<String> LOADER_DIRS = List.of("/lib/x86_64-linux-gnu",
      "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
      "/usr/local/lib", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu");

  private SharedObjects() {}

  /** {@code libfoo.so}, {@code libfoo.so.3}, {@code _ssl.cpython-311-x86_64-linux-gnu.so}. */
  public static boolean isSharedObject(String fileName) {
    String base = fileName.substring(fileName.lastIndexOf('/') + 1);
    return base.endsWith(".so") || base.contains(".so.");
  }

  /**
   * A shared object in one of the loader's directories ({@code fileName} with or without the
   * leading slash): loaded by name from a program's or another library's links. An
   * interpreter's own modules (Python's {@code lib-dynload}) are not: they are imported in an
   * order that their directory's blob order often matches.
   */
  public static boolean isLoaderLibrary(String fileName) {
    if (!isSharedObject(fileName)) {
      return false;
    }
    String name = fileName.startsWith("/") ? fileName : "/" + fileName;
    String dir = name.substring(0, name.lastIndexOf('/'));
    return LOADER_DIRS.contains(dir);
  }
}
