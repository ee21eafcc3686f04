package org.stargzstore.fs.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;

/** ELF and #! parsing against this machine's binaries, checked against readelf. */
@IntegrationTest
class ElfLinksTest {

  static ElfLinks.Bytes file(Path p) {
    return (offset, length) -> {
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
        int n = (int) Math.max(0, Math.min(length, f.length() - offset));
        byte[] b = new byte[n];
        f.seek(offset);
        f.readFully(b);
        return b;
      }
    };
  }

  static List<String> readelfNeeded(Path p) throws IOException {
    return ExternalTools.run(List.of("readelf", "-d", p.toString()), 30).requireSuccess().output()
        .lines().filter(l -> l.contains("(NEEDED)"))
        .map(l -> l.substring(l.indexOf('[') + 1, l.indexOf(']'))).toList();
  }

  @Test
  void executableInterpreterAndNeededLibrariesMatchReadelf() throws IOException {
    Path python = Path.of("/usr/bin/python3.11");
    ElfLinks l = ElfLinks.of(file(python));
    assertEquals(Optional.of("/lib64/ld-linux-x86-64.so.2"), l.interpreter());
    assertEquals(readelfNeeded(python), l.needed());
    assertTrue(l.needed().contains("libc.so.6"));
  }

  @Test
  void sharedLibraryWithRunpath() throws IOException {
    Path java = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    ElfLinks l = ElfLinks.of(file(java));
    assertEquals(readelfNeeded(java), l.needed());
    assertTrue(l.searchPaths().contains("$ORIGIN/../lib"), l.searchPaths().toString());
  }

  @Test
  void scriptsNameTheirInterpreter() {
    byte[] script = "#!/bin/sh -e\necho hi\n".getBytes(StandardCharsets.UTF_8);
    ElfLinks l = ElfLinks.of((o, n) -> java.util.Arrays.copyOfRange(script, (int) o,
        (int) Math.min(script.length, o + n)));
    assertEquals(Optional.of("/bin/sh"), l.interpreter());
  }

  @Test
  void anythingElseIsNothingKnown() {
    assertEquals(ElfLinks.NONE, ElfLinks.of((o, n) -> new byte[] {1, 2, 3}));
    assertEquals(ElfLinks.NONE, ElfLinks.of((o, n) -> {
      throw new IOException("unreadable");
    }));
  }
}
