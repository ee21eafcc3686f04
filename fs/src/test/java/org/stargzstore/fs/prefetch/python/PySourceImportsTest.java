package org.stargzstore.fs.prefetch.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.stargzstore.fs.prefetch.python.PythonImport.of;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Module-level imports read from source text. */
class PySourceImportsTest {

  static List<PythonImport> imports(String... lines) {
    return PySourceImports.of(String.join("\n", lines) + "\n");
  }

  @Test
  void sampleModuleGivesTheSameImportsAsItsPycs() {
    // as sets: the source is read in its order, a pyc's class bodies after the module's code
    assertEquals(java.util.Set.copyOf(PycImportsTest.SAMPLE),
        java.util.Set.copyOf(PySourceImports.of(PythonResources.text("sample/sample.py"))));
  }

  @Test
  void plainImportsWithAliasesAndCommas() {
    assertEquals(List.of(of("a"), of("b.c"), of("e")), imports("import a, b.c as d", "import e"));
  }

  @Test
  void parenthesisedMultiLineFromList() {
    assertEquals(List.of(new PythonImport("x", 0, List.of("a", "b", "c"))),
        imports("from x import (a,", "    b as bee,  # a comment", "    c,", ")"));
  }

  @Test
  void backslashContinuation() {
    assertEquals(List.of(of("a"), new PythonImport("b.c", 0, List.of("d"))),
        imports("import \\", "    a", "from b.c \\", "  import d"));
  }

  @Test
  void semicolonSeparatedStatements() {
    assertEquals(List.of(of("a"), of("b"), of("c")), imports("import a; x = 1; import b;import c"));
  }

  @Test
  void importTextInStringsAndCommentsIsNotAnImport() {
    assertEquals(List.of(of("real")), imports(
        "\"\"\"Docstring.",
        "import not_docstring",
        "\"\"\"",
        "s = 'import not_string'  # import not_comment",
        "t = r'''",
        "from not_raw import x",
        "'''",
        "u = \"a \\\" import escaped\"",
        "import real"));
  }

  @Test
  void importsInFunctionsAreIgnoredInClassBodiesKept() {
    assertEquals(List.of(of("top"), of("in_class"), of("after")), imports(
        "import top",
        "def f():",
        "    import in_function",
        "    if x:",
        "        import deeper_in_function",
        "async def g(): import one_line_async",
        "class C:",
        "    import in_class",
        "    def m(self):",
        "        import in_method",
        "@decorator",
        "def h(",
        "    a: int,",
        "):",
        "    import in_decorated",
        "import after"));
  }

  @Test
  void fallbacksAndMainBlocksDoNotRunOnImport() {
    assertEquals(List.of(of("fast"), of("cli")), imports(
        "try:",
        "    import fast",
        "except ImportError:",
        "    import slow_fallback",
        "try:",
        "    import cli",
        "except (OSError, ModuleNotFoundError) as e:",
        "    import other_fallback",
        "if __name__ == '__main__':",
        "    import argparse"));
  }

  @Test
  void conditionalModuleLevelImportsAreKept() {
    assertEquals(List.of(of("fast"), of("slow"), of("posix"), of("nt"), of("more"),
            new PythonImport("inline", 0, List.of("x"))),
        imports(
            "try:",
            "    import fast",
            "except OSError:",
            "    import slow",
            "if name == 'posix':",
            "    import posix",
            "elif name in {'nt': 1}:",
            "    import nt",
            "    with lock:",
            "        import more",
            "try: from inline import x",
            "except: pass"));
  }

  @Test
  void ifFalseBodiesAreNotRunSoNotImports() {
    assertEquals(List.of(of("kept")), imports(
        "if False:",
        "    import never",
        "if 0: import never_either",
        "import kept"));
  }

  @Test
  void futureImportsAreDroppedButImportingTheModuleIsNot() {
    assertEquals(List.of(of("__future__"), of("os")), imports(
        "from __future__ import annotations, division",
        "import __future__",
        "import os"));
  }

  @Test
  void relativeLevels() {
    assertEquals(List.of(
            new PythonImport("", 1, List.of("x")),
            new PythonImport("p", 2, List.of("q")),
            new PythonImport("", 3, List.of("r")),
            new PythonImport("s", 1, List.of("*")),
            new PythonImport("importer", 1, List.of("load"))),
        imports(
            "from . import x",
            "from ..p import q",
            "from ... import r",
            "from .s import *",
            "from .importer import load"));
  }

  @Test
  void duplicatesAreReportedOnce() {
    assertEquals(List.of(of("a"), of("b")), imports("import a", "import b", "import a, b"));
  }

  @Test
  void tabsAndCrLfLineEndings() {
    assertEquals(List.of(of("a"), of("b")),
        PySourceImports.of("def f():\r\n\timport no\r\nif x:\r\n\timport a\r\nimport b\r\n"));
  }

  @Test
  void byteOrderMarkBeforeTheFirstStatement() {
    // CPython 3.8's test/test_importlib/test_util.py starts with one
    assertEquals(List.of(new PythonImport("", 1, List.of("util")), of("importlib")),
        PySourceImports.of("\uFEFFfrom . import util\nimport importlib\n"));
  }

  @Test
  void oddSourceNeverThrows() {
    for (String source : List.of("", "\"\"\"unterminated", "from", "import", "from . import",
        "from x import (a,", "import a,", "((((", "))))", "\\", "if x:\n  import a\n import b",
        "from x import a b", "import 1a", "'''", "def", "class:", "\t\t\f")) {
      PySourceImports.of(source);
    }
    assertEquals(List.of(),
        imports("import a,", "from x import a b", "import 1a", "from . import"));
  }

  @Test
  void hostileSourceIsReadInLinearTime() {
    // Each took minutes when a regex backtracked or each line scanned all open blocks; the
    // timeout is generous enough for a loaded machine, far below what a quadratic read needs.
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      deep.append(" ".repeat(i)).append("if x:\n");
    }
    deep.append("import never_dedented_so_still_module_level\n");
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      assertEquals(List.of(), PySourceImports.of("from" + " ".repeat(100_000) + "!"));
      assertEquals(List.of(), PySourceImports.of("import " + "a".repeat(200_000) + "!"));
      assertEquals(List.of(), PySourceImports.of("from x import " + "a, ".repeat(100_000) + "!"));
      assertEquals(List.of(of("never_dedented_so_still_module_level")),
          PySourceImports.of(deep.toString()));
    });
  }

  @Test
  void pythonDashCCode() {
    assertEquals(List.of(of("sys"), new PythonImport("app.main", 0, List.of("run"))),
        PySourceImports.of("import sys; from app.main import run; run(sys.argv)"));
  }
}
