package org.stargzstore.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates the read-only {@code shared/} directory (fixtures and reference tools made by producers
 * this project did not write) that sits next to the project checkout.
 */
public final class Shared {
  private Shared() {}

  /** The {@code shared/} directory: system property {@code srs.shared}, else {@code ../shared}. */
  public static Path root() {
    String prop = System.getProperty("srs.shared");
    Path p = prop != null ? Paths.get(prop) : projectRoot().resolve("../shared");
    p = p.toAbsolutePath().normalize();
    if (!Files.isDirectory(p.resolve("fixtures"))) {
      throw new IllegalStateException("shared fixtures not found at " + p
          + " (set -Dsrs.shared=DIR or check out the project next to shared/)");
    }
    return p;
  }

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

  public static Path fixture(String name) {
    return root().resolve("fixtures").resolve(name);
  }

  public static Path tool(String relative) {
    return root().resolve("tools").resolve(relative);
  }
}
