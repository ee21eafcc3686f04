package org.stargzstore.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates the test data every checkout carries: the layer fixtures in {@code testdata/fixtures}
 * (made by producers this project did not write, see its README) and the project's test tools
 * in {@code tools/}. Nothing outside the checkout is needed.
 */
public final class Shared {
  private Shared() {}

  /** The project's root directory (system property {@code srs.projectRoot}, else searched up). */
  public static Path projectRoot() {
    String prop = System.getProperty("srs.projectRoot");
    if (prop != null) {
      return Paths.get(prop).toAbsolutePath().normalize();
    }
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve(".ci"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the project root from " + Paths.get("").toAbsolutePath());
    }
    return p;
  }

  /** A file of {@code testdata/fixtures}; fails with where it looked if it is missing. */
  public static Path fixture(String name) {
    Path p = projectRoot().resolve("testdata/fixtures").resolve(name);
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException("fixture " + name + " not found at " + p
          + " (the fixtures are part of the checkout: see testdata/fixtures/README.md)");
    }
    return p;
  }

  /** A file under the project's {@code tools/} directory (the sources of the test tools). */
  public static Path tool(String relative) {
    return projectRoot().resolve("tools").resolve(relative);
  }
}
