package org.stargzstore.fs.prefetch.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.stargzstore.fs.prefetch.MergedView;

/**
 * Imports resolved to files as CPython's path finder resolves them, in a Debian-shaped image of
 * two layers: packages before their modules, compiled files when the image has them, frozen
 * modules without files, namespace packages, extension modules of this interpreter only.
 */
class PythonModulesTest {
  private static final String LIB = "usr/lib/python3.11/";
  private static final String TAG = ".cpython-311.pyc";

  private final MergedView<String> view = new MergedView<>(List.of("base", "app"), List.of(
      ImageTrees.index("usr", "usr/bin", "usr/lib", "usr/lib/python3.11", LIB + "__pycache__",
          LIB + "json", LIB + "json/__pycache__", LIB + "lib-dynload", LIB + "nspkg",
          "usr/lib/python3", "usr/lib/python3/dist-packages",
          "usr/lib/python3/dist-packages/requests",
          "=usr/bin/python3.11", "@usr/bin/python3>python3.11",
          "=" + LIB + "os.py", "=" + LIB + "__pycache__/os" + TAG,
          "=" + LIB + "json/__init__.py", "=" + LIB + "json/__pycache__/__init__" + TAG,
          "=" + LIB + "json/decoder.py", "=" + LIB + "json/__pycache__/decoder" + TAG,
          "=" + LIB + "json/scanner.py", "=" + LIB + "json/__pycache__/scanner" + TAG,
          "=" + LIB + "json/__pycache__/scanner.cpython-310.pyc",
          "=" + LIB + "json/tool.py",
          "=" + LIB + "lib-dynload/_json.cpython-311-x86_64-linux-gnu.so",
          "=" + LIB + "lib-dynload/_ssl.cpython-310-x86_64-linux-gnu.so",
          "=" + LIB + "nspkg/mod.py",
          "=usr/lib/python3/dist-packages/requests/__init__.py"),
      ImageTrees.index("usr", "usr/lib", "usr/lib/python3.11", LIB + "json",
          "=" + LIB + "json/encoder.py", "=" + LIB + "json/.wh.tool.py")));

  private final PythonModules<String> modules = new PythonModules<>(
      PythonLayout.ofInterpreter(view, "/usr/bin/python3", "", "").orElseThrow(), view);

  @Test
  void theLayoutOfTheInterpreter() {
    PythonLayout layout = modules.layout();
    assertEquals("3.11", layout.version());
    assertEquals(List.of("/usr/lib/python3.11", "/usr/lib/python3.11/lib-dynload",
        "/usr/lib/python3/dist-packages"), layout.searchPath());
    assertEquals(List.of("/usr/lib/python3/dist-packages"), layout.siteDirectories());
  }

  @Test
  void packagesFirstThenTheModuleCompiledWhenCached() {
    assertEquals(List.of(LIB + "json/__pycache__/__init__" + TAG,
        LIB + "json/__pycache__/decoder" + TAG), paths(imp("json.decoder", 0)));
    assertEquals(List.of(PythonModules.Kind.BYTECODE, PythonModules.Kind.BYTECODE),
        modules.filesOf(ModuleName.MAIN, imp("json.decoder", 0)).stream()
            .map(PythonModules.ModuleFile::kind).toList());
    assertEquals(List.of(LIB + "json/encoder.py"),
        paths(new ModuleName("json", true), new PythonImport("encoder", 1, List.of())).subList(1, 2),
        "source from the upper layer, no compiled file");
  }

  @Test
  void fromImportsBringSubmodulesNotNames() {
    assertEquals(List.of(LIB + "json/__pycache__/__init__" + TAG,
        LIB + "json/__pycache__/scanner" + TAG),
        paths(new PythonImport("json", 0, List.of("scanner", "JSONDecoder", "tool", "*"))),
        "tool.py is whited out above; JSONDecoder is a name, not a module");
    assertEquals(List.of(LIB + "json/__pycache__/__init__" + TAG,
        LIB + "json/__pycache__/scanner" + TAG),
        paths(new ModuleName("json.decoder", false),
            new PythonImport("", 1, List.of("scanner"))), "from . import scanner");
  }

  @Test
  void frozenBuiltinAndMissingModulesHaveNoFiles() {
    assertEquals(List.of(), paths(imp("os", 0)), "3.11 runs os frozen");
    assertEquals(List.of(), paths(imp("sys", 0)));
    assertEquals(List.of(), paths(imp("nt", 0)));
    assertEquals(List.of(), paths(new PythonImport("x", 1, List.of())),
        "a relative import in __main__");
  }

  @Test
  void extensionsNamespacePackagesAndSiteDirectories() {
    assertEquals(List.of(LIB + "lib-dynload/_json.cpython-311-x86_64-linux-gnu.so"),
        paths(imp("_json", 0)));
    assertEquals(PythonModules.Kind.EXTENSION,
        modules.filesOf(ModuleName.MAIN, imp("_json", 0)).get(0).kind());
    assertEquals(List.of(), paths(imp("_ssl", 0)), "another interpreter's extension");
    assertEquals(List.of(LIB + "nspkg/mod.py"), paths(imp("nspkg.mod", 0)));
    assertEquals(List.of("usr/lib/python3/dist-packages/requests/__init__.py"),
        paths(imp("requests", 0)));
    assertTrue(modules.layout().moduleOf("/" + LIB + "json/__pycache__/scanner" + TAG)
        .orElseThrow().name().equals("json.scanner"));
  }

  private static PythonImport imp(String name, int level) {
    return new PythonImport(name, level, List.of());
  }

  private List<String> paths(PythonImport imp) {
    return paths(ModuleName.MAIN, imp);
  }

  private List<String> paths(ModuleName importer, PythonImport imp) {
    return modules.filesOf(importer, imp).stream().map(f -> f.file().path().substring(1))
        .toList();
  }
}
