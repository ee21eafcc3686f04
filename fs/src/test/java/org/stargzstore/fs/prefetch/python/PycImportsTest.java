package org.stargzstore.fs.prefetch.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stargzstore.fs.prefetch.python.PythonImport.of;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Imports read from pycs compiled by CPython itself: Debian 12's 3.11 stdlib, and one sample module
 * compiled by 3.7, 3.8, 3.10, 3.11, 3.12 and 3.13 (src/test/resources/python/README.md).
 */
class PycImportsTest {

  /** What sample/sample.py imports at module level, in order, written from the source by hand. */
  static final List<PythonImport> SAMPLE = List.of(
      of("os"),
      of("os.path"),
      of("xml.dom.minidom"),
      new PythonImport("collections", 0, List.of("OrderedDict", "defaultdict")),
      new PythonImport("", 1, List.of("sibling")),
      new PythonImport("", 2, List.of("parent_thing")),
      new PythonImport("pkg.sub", 2, List.of("name_a", "name_b")),
      new PythonImport("json", 0, List.of("*")),
      of("email.utils"),
      of("http.client"),
      of("zlib"),
      new PythonImport("base64", 0, List.of("b64encode")),
      of("_json_speedups"),
      of("else_module"),
      of("finally_module"),
      of("conditional_module"),
      of("nested_conditional"),
      new PythonImport("elif_package", 0, List.of("elif_name")),
      of("with_module"),
      of("loop_module"),
      of("while_module"),
      of("one_line_module"),
      of("last_module"),
      // a class body runs when the class statement does; after the module's own, depth first
      of("class_body_module"));

  static List<String> sampleTags() {
    return PythonResources.SAMPLE_TAGS;
  }

  static List<String> debianModules() {
    return PythonResources.DEBIAN_311_MODULES;
  }

  @ParameterizedTest(name = "CPython {0}")
  @MethodSource("sampleTags")
  void sampleModuleGivesTheImportsItsImportRunsInOrderInEveryVersion(String tag) throws Exception {
    assertEquals(SAMPLE, PycImports.of(PythonResources.samplePyc(tag)));
  }

  @Test
  void jsonDecoderImportsReAndScannerAndTheOptionalSpeedup() throws Exception {
    assertEquals(List.of(
            of("re"),
            new PythonImport("json", 0, List.of("scanner")),
            new PythonImport("_json", 0, List.of("scanstring"))),
        PycImports.of(PythonResources.debianPyc("json.decoder")));
  }

  @Test
  void jsonPackageImportsItsSiblingsRelatively() throws Exception {
    assertEquals(List.of(
            new PythonImport("decoder", 1, List.of("JSONDecoder", "JSONDecodeError")),
            new PythonImport("encoder", 1, List.of("JSONEncoder")),
            of("codecs")),
        PycImports.of(PythonResources.debianPyc("json.__init__")));
  }

  @Test
  void emailUtilsKeepsEachFromImportOfTheSameModule() throws Exception {
    List<PythonImport> imports = PycImports.of(PythonResources.debianPyc("email.utils"));
    assertEquals(List.of(
            of("os"), of("re"), of("time"), of("random"), of("socket"), of("datetime"),
            of("urllib.parse"),
            new PythonImport("email._parseaddr", 0, List.of("quote")),
            new PythonImport("email._parseaddr", 0, List.of("AddressList")),
            new PythonImport("email._parseaddr", 0, List.of("mktime_tz")),
            new PythonImport("email._parseaddr", 0,
                List.of("parsedate", "parsedate_tz", "_parsedate_tz")),
            new PythonImport("email.charset", 0, List.of("Charset"))),
        imports);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("debianModules")
  void debianPycAndItsSourceImportTheSameModules(String module) throws Exception {
    List<PythonImport> fromPyc = PycImports.of(PythonResources.debianPyc(module));
    assertFalse(fromPyc.isEmpty(), module);
    assertEquals(PythonResources.modules(PySourceImports.of(PythonResources.debianSource(module))),
        PythonResources.modules(fromPyc), module);
  }

  @Test
  void httpServerLeavesOutItsMainBlockAndImportsInsideFunctions() throws Exception {
    // http/server.py imports pwd inside nobody_uid(), argparse under `if __name__ == '__main__':`
    // (for running the module as a program, not on import).
    List<PythonImport> imports = PycImports.of(PythonResources.debianPyc("http.server"));
    assertTrue(imports.contains(of("socketserver")), imports.toString());
    assertFalse(imports.contains(of("argparse")), imports.toString());
    assertFalse(imports.contains(of("contextlib")), imports.toString());
    assertFalse(imports.stream().anyMatch(i -> i.module().equals("pwd")), imports.toString());
  }

  @Test
  void newerPythonFallsBackToModuleLevelNames() throws Exception {
    byte[] pyc = PythonResources.samplePyc("313");
    pyc[0] = (byte) 3627;
    pyc[1] = (byte) (3627 >> 8);
    List<PythonImport> names = PycImports.of(pyc);
    for (String module : List.of("os", "os.path", "xml.dom.minidom", "zlib", "last_module")) {
      assertTrue(names.contains(of(module)), module + " in " + names);
    }
    assertTrue(names.stream().allMatch(i -> i.level() == 0 && i.fromNames().isEmpty()));
    assertFalse(names.contains(of("function_module")), names.toString());
    assertFalse(names.contains(of("__name__")), names.toString());
  }

  @Test
  void pythonOlderThan37IsRefusedSayingSo() {
    byte[] pyc = PythonResources.samplePyc("37");
    pyc[0] = (byte) 3379;
    pyc[1] = (byte) (3379 >> 8);
    PythonModuleFormatException e =
        assertThrows(PythonModuleFormatException.class, () -> PycImports.of(pyc));
    assertTrue(e.getMessage().contains("older than 3.7"), e.getMessage());
  }
}
