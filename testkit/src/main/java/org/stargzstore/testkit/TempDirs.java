package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deletes test directories, including read-only trees that tests create on purpose. */
public final class TempDirs {
  private TempDirs() {}

  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          p.toFile().setWritable(true);
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a leftover temp file must not fail a test
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
