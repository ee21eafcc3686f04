package org.stargzstore.fs.prefetch.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Command lines as CPython reads them: what runs, and whether site does. */
class PythonCommandTest {

  @Test
  void codeModuleOrScript() {
    assertEquals(Optional.of("import json"), PythonCommand.parse(List.of("-c", "import json"))
        .code());
    assertEquals(Optional.of("import os"), PythonCommand.parse(List.of("-uc", "import os"))
        .code(), "an option cluster ending in c takes the next argument");
    assertEquals(Optional.of("import os"), PythonCommand.parse(List.of("-cimport os")).code());
    assertEquals(Optional.of("http.server"),
        PythonCommand.parse(List.of("-m", "http.server", "8000")).module());
    PythonCommand script = PythonCommand.parse(List.of("-u", "app.py", "-c", "x"));
    assertEquals(Optional.of("app.py"), script.script(), "options after the script are its own");
    assertTrue(script.code().isEmpty());
    assertEquals(Optional.of("main.py"),
        PythonCommand.parse(List.of("-X", "importtime", "-W", "ignore", "main.py")).script(),
        "-X and -W take a value");
    assertEquals(Optional.of("-c"), PythonCommand.parse(List.of("--", "-c")).script());
  }

  @Test
  void siteRunsUnlessTurnedOff() {
    assertTrue(PythonCommand.parse(List.of("-c", "pass")).site());
    assertFalse(PythonCommand.parse(List.of("-S", "-c", "pass")).site());
    assertFalse(PythonCommand.parse(List.of("-BSc", "pass")).site());
    assertTrue(PythonCommand.parse(List.of()).site());
    assertTrue(PythonCommand.parse(List.of()).code().isEmpty(), "an interactive session");
  }
}
