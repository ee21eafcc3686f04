package org.stargzstore.fs.prefetch.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;

/**
 * Every stdlib pyc of every CPython on this machine (Debian's 3.11, and pyenv's 3.7 to 3.13 where
 * installed) read by PycImports, compared with what the interpreter's own {@code dis} decodes
 * (python/dis_imports.py); and, where the .py is beside it, with PySourceImports as sets of
 * modules.
 */
@IntegrationTest
class CPythonStdlibImportsTest {

  private static final Path PYENV = Path.of("/root/.pyenv/versions");
  private static final Pattern SUPPORTED = Pattern.compile("3\\.(?:[7-9]|1[0-3])\\..*");

  static List<Path> interpreters() throws IOException {
    List<Path> found = new ArrayList<>(List.of(Path.of("/usr/bin/python3.11")));
    if (Files.isDirectory(PYENV)) {
      try (Stream<Path> versions = Files.list(PYENV)) {
        versions.filter(v -> SUPPORTED.matcher(v.getFileName().toString()).matches())
            .map(v -> v.resolve("bin/python3")).filter(Files::isExecutable).sorted()
            .forEach(found::add);
      }
    }
    return found;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("interpreters")
  void everyStdlibPycGivesTheImportsCPythonsDisSees(Path python, @TempDir Path tmp)
      throws IOException {
    Path script = tmp.resolve("dis_imports.py");
    Files.write(script, PythonResources.bytes("dis_imports.py"));
    String output = ExternalTools.run(List.of(python.toString(), script.toString()), 600)
        .requireSuccess().output();
    Map<String, List<String>> expected = new LinkedHashMap<>();
    for (String line : output.lines().toList()) {
      String[] fields = line.split("\t");
      if (fields[0].equals("FILE")) {
        expected.put(fields[1], new ArrayList<>());
      } else if (fields[0].equals("IMPORT")) {
        expected.get(fields[1]).add(fields[2]);
      }
    }
    assertTrue(expected.size() > 500, python + " has only " + expected.size() + " pycs");

    List<String> differences = new ArrayList<>();
    int withSource = 0;
    for (Map.Entry<String, List<String>> pyc : expected.entrySet()) {
      Path path = Path.of(pyc.getKey());
      List<PythonImport> imports = PycImports.of(Files.readAllBytes(path));
      List<String> actual = imports.stream()
          .map(i -> i.module() + "|" + i.level() + "|" + String.join(",", i.fromNames())).toList();
      if (!actual.equals(pyc.getValue())) {
        differences.add(path + ": PycImports " + actual + ", dis " + pyc.getValue());
      }
      Path source = source(path);
      if (Files.exists(source)) {
        withSource++;
        var fromSource = PythonResources.modules(
            PySourceImports.of(new String(Files.readAllBytes(source), StandardCharsets.UTF_8)));
        if (!fromSource.equals(PythonResources.modules(imports))) {
          differences.add(source + ": PySourceImports " + fromSource + ", PycImports "
              + PythonResources.modules(imports));
        }
      }
    }
    assertTrue(withSource > 500, python + ": only " + withSource + " pycs with a source beside");
    assertEquals(List.of(), differences.subList(0, Math.min(20, differences.size())),
        differences.size() + " differences");
  }

  /** {@code dir/__pycache__/name.cpython-311.pyc} -> {@code dir/name.py}. */
  private static Path source(Path pyc) {
    String name = pyc.getFileName().toString();
    String module = name.substring(0, name.indexOf('.'));
    return pyc.getParent().getParent().resolve(module + ".py");
  }
}
