package org.stargzstore.fs.prefetch.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.stargzstore.fs.prefetch.ElfLinks;
import org.stargzstore.fs.prefetch.ImageCommand;
import org.stargzstore.fs.prefetch.MergedView;

/**
 * From an image config to the modules fetched: a {@code #!} script found through PATH, a
 * virtual environment's interpreter and its own site directory, {@code -m}, the {@code .pth}
 * files' imports unless {@code -S}; the imports of what arrives are followed, nothing else is
 * fetched. Files are source here (their text in {@link #TEXT}); compiled modules are the mount
 * test's.
 */
class PythonStartUpTest {
  private static final String STDLIB = "usr/local/lib/python3.12/";
  private static final String VENV = "opt/venv/lib/python3.12/site-packages/";
  private static final Map<String, String> TEXT = Map.of(
      "/usr/local/bin/app", "#!/usr/bin/env python3\nimport mod_a\n",
      "/" + STDLIB + "mod_a.py", "import mod_b\ndef f():\n    import mod_c\n",
      "/" + STDLIB + "site-packages/extra.pth", "# comment\nimport from_pth\n../somewhere\n",
      "/" + VENV + "tool/__init__.py", "from . import helper\n",
      "/" + VENV + "tool/__main__.py", "import mod_b\n");

  private final MergedView<String> view = new MergedView<>(List.of("l"), List.of(
      ImageTrees.index("usr", "usr/local", "usr/local/bin", "usr/local/lib",
          "usr/local/lib/python3.12", STDLIB + "encodings", STDLIB + "site-packages",
          "opt", "opt/venv", "opt/venv/bin", "opt/venv/lib", "opt/venv/lib/python3.12",
          VENV.substring(0, VENV.length() - 1), VENV + "tool",
          "=usr/local/bin/python3.12", "@usr/local/bin/python3>python3.12",
          "=usr/local/bin/app", "@opt/venv/bin/python>/usr/local/bin/python3",
          "=" + STDLIB + "encodings/__init__.py", "=" + STDLIB + "encodings/utf_8.py",
          "=" + STDLIB + "mod_a.py", "=" + STDLIB + "mod_b.py", "=" + STDLIB + "mod_c.py",
          "=" + STDLIB + "from_pth.py", "=" + STDLIB + "site-packages/extra.pth",
          "=" + VENV + "tool/__init__.py", "=" + VENV + "tool/helper.py",
          "=" + VENV + "tool/__main__.py")));

  /** Records what is fetched; every fetch completes at once. */
  private final List<String> fetched = new ArrayList<>();
  private final ModuleFiles<String> files = new ModuleFiles<>() {
    @Override
    public List<CompletableFuture<Void>> fetch(List<MergedView.Found<String>> fs) {
      List<CompletableFuture<Void>> out = new ArrayList<>();
      for (MergedView.Found<String> f : fs) {
        fetched.add(f.path());
        out.add(CompletableFuture.completedFuture(null));
      }
      return out;
    }

    @Override
    public byte[] read(MergedView.Found<String> f, int maxBytes) {
      return TEXT.getOrDefault(f.path(), "").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public ElfLinks.Bytes bytes(MergedView.Found<String> f) {
      return (offset, length) -> new byte[0];
    }
  };

  private List<String> start(String config) {
    PythonStartUp.begin("img", ImageCommand.of(config.getBytes(StandardCharsets.UTF_8)), view,
        files, Runnable::run, so -> { });
    return fetched;
  }

  @Test
  void aScriptWhoseShebangIsPythonThroughEnv() {
    List<String> got = start("{\"config\":{\"Cmd\":[\"app\"]}}");
    assertTrue(got.containsAll(List.of("/" + STDLIB + "encodings/__init__.py",
        "/" + STDLIB + "encodings/utf_8.py", "/usr/local/bin/app", "/" + STDLIB + "mod_a.py",
        "/" + STDLIB + "mod_b.py", "/" + STDLIB + "from_pth.py")), got.toString());
    assertTrue(!got.contains("/" + STDLIB + "mod_c.py"), "imported in a function: " + got);
  }

  @Test
  void aVirtualEnvironmentsModuleWithoutSite() {
    List<String> got = start("{\"config\":{\"Entrypoint\":[\"/opt/venv/bin/python\",\"-S\"],"
        + "\"Cmd\":[\"-m\",\"tool\"]}}");
    assertEquals(List.of("/" + STDLIB + "encodings/__init__.py",
        "/" + STDLIB + "encodings/utf_8.py", "/" + VENV + "tool/__init__.py",
        "/" + VENV + "tool/__main__.py", "/" + VENV + "tool/helper.py",
        "/" + STDLIB + "mod_b.py"), got, "-S: no .pth; -m runs the package's __main__");
  }

  @Test
  void anImageThatRunsNoPythonFetchesNothingUntilAModuleIsOpened() {
    PythonImportFollower<String> follower = PythonStartUp.begin("img",
        ImageCommand.of("{\"config\":{\"Cmd\":[\"/bin/sh\"]}}".getBytes(StandardCharsets.UTF_8)),
        view, files, Runnable::run, so -> { }).orElseThrow();
    assertEquals(List.of(), fetched);
    follower.opened("/" + STDLIB + "mod_a.py");
    assertEquals(List.of("/" + STDLIB + "mod_a.py", "/" + STDLIB + "mod_b.py"), fetched);
  }
}
