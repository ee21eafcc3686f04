package org.stargzstore.fs.prefetch.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Module names from files, and where relative imports start. */
class ModuleNameTest {
  private static final String TAG = "cpython-311";

  @Test
  void fromFiles() {
    assertEquals(Optional.of(new ModuleName("json.decoder", false)),
        ModuleName.ofRelativePath("json/__pycache__/decoder.cpython-311.pyc", TAG));
    assertEquals(Optional.of(new ModuleName("json", true)),
        ModuleName.ofRelativePath("json/__pycache__/__init__.cpython-311.pyc", TAG));
    assertEquals(Optional.of(new ModuleName("os", false)),
        ModuleName.ofRelativePath("__pycache__/os.cpython-311.pyc", TAG));
    assertEquals(Optional.of(new ModuleName("email.mime", true)),
        ModuleName.ofRelativePath("email/mime/__init__.py", TAG));
    assertEquals(Optional.of(new ModuleName("_ssl", false)),
        ModuleName.ofRelativePath("_ssl.cpython-311-x86_64-linux-gnu.so", TAG));
    assertEquals(Optional.empty(),
        ModuleName.ofRelativePath("__pycache__/os.cpython-310.pyc", TAG), "another interpreter's");
    assertEquals(Optional.empty(),
        ModuleName.ofRelativePath("__pycache__/os.cpython-311.opt-1.pyc", TAG), "python -O's");
    assertEquals(Optional.empty(), ModuleName.ofRelativePath("README.txt", TAG));
    assertEquals(Optional.empty(), ModuleName.ofRelativePath("site-packages/a-1.0.dist-info/x.py",
        TAG), "not an importable name");
  }

  @Test
  void relativeImportsStartFromThePackage() {
    ModuleName module = new ModuleName("email.mime.text", false);
    assertEquals(Optional.of("email.mime"), module.base(1));
    assertEquals(Optional.of("email"), module.base(2));
    assertEquals(Optional.empty(), module.base(3), "beyond the top-level package");
    ModuleName pkg = new ModuleName("email.mime", true);
    assertEquals(Optional.of("email.mime"), pkg.base(1));
    assertEquals(Optional.of("email"), pkg.base(2));
    assertEquals(Optional.empty(), ModuleName.MAIN.base(1), "a script has no package");
    assertThrows(IllegalArgumentException.class, () -> new ModuleName("a..", false));
  }
}
