package org.stargzstore.fs.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The first line of a script as the kernel reads it. */
class ShebangTest {
  private static Optional<Shebang> of(String head) {
    return Shebang.of(head.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void interpreterAndItsArguments() {
    assertEquals(Optional.of(new Shebang("/usr/bin/env", List.of("python3", "-u"))),
        of("#!/usr/bin/env  python3 -u\r\nimport os\n"));
    assertEquals(Optional.of(new Shebang("/bin/sh", List.of())), of("#! /bin/sh"),
        "a line cut where the read ended, as the kernel cuts a long one");
  }

  @Test
  void noLineNoShebang() {
    assertEquals(Optional.empty(), of("#!   \nexit 0\n"));
    assertEquals(Optional.empty(), of("\u007fELF"));
    assertEquals(Optional.empty(), of("#"));
  }
}
