package org.stargzstore.fs.prefetch.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The pycs and sources under {@code src/test/resources/python} (see the READMEs there). */
final class PythonResources {

  /** Debian 12's CPython 3.11 stdlib modules copied with their pycs, as {@code dotted.name}. */
  static final List<String> DEBIAN_311_MODULES =
      List.of("os", "ssl", "json.__init__", "json.decoder", "http.server", "email.utils");

  /** The versions {@code sample/sample.py} was compiled by, as pyc name tags. */
  static final List<String> SAMPLE_TAGS = List.of("37", "38", "310", "311", "312", "313");

  private PythonResources() {}

  static byte[] bytes(String path) {
    try (InputStream in = PythonResources.class.getResourceAsStream("/python/" + path)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource python/" + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String text(String path) {
    return new String(bytes(path), StandardCharsets.UTF_8);
  }

  static byte[] debianPyc(String module) {
    return bytes("cpython-3.11/" + module + ".cpython-311.pyc");
  }

  static String debianSource(String module) {
    return text("cpython-3.11/" + module + ".py");
  }

  static byte[] samplePyc(String tag) {
    return bytes("sample/sample.cpython-" + tag + ".pyc");
  }

  /** "level:module" of each import: how a pyc and its source are compared. */
  static Set<String> modules(List<PythonImport> imports) {
    Set<String> modules = new TreeSet<>();
    for (PythonImport i : imports) {
      modules.add(i.level() + ":" + i.module());
    }
    return modules;
  }
}
