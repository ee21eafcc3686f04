package org.stargzstore.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version this build was made from (the Maven project version, written into a resource at
 * build time), so that {@code --version}, the daemon's first log line and the metrics say which
 * build runs, whether started from the shaded jar or from a class path.
 */
public final class BuildVersion {
  private static final String RESOURCE = "version.properties";
  private static final String VERSION = load();

  private BuildVersion() {}

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}; "unknown" if the build did not record it. */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = BuildVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "").trim();
      return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE + " from the class path", e);
    }
  }
}
