package org.stargzstore.estargz.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EntryNamesTest {

  @ParameterizedTest
  @CsvSource(value = {
      "'', ''", "., ''", "./, ''", "/, ''",
      "etc, etc", "etc/, etc", "./etc/, etc", "././etc/passwd, etc/passwd",
      "a/b/c, a/b/c", "..foo, ..foo", "a/.hidden/, a/.hidden", "a/...b, a/...b"})
  void normalisesTheSpellingsTarWritersUse(String raw, String normal) throws Exception {
    assertEquals(normal, EntryNames.normalise(raw));
  }

  @ParameterizedTest
  @CsvSource({
      "../etc/passwd, has a '..' path component",
      "a/../../b, has a '..' path component",
      "a/.., has a '..' path component",
      "/etc/passwd, is absolute",
      "//etc, is absolute",
      "a//b, has an empty path component",
      "a/./b, has a '.' path component",
      "a/b//, has an empty path component"})
  void rejectsNamesThatCouldEscapeOrCollide(String raw, String reason) {
    EntryNames.UnsafeNameException e =
        assertThrows(EntryNames.UnsafeNameException.class, () -> EntryNames.normalise(raw));
    assertEquals(reason, e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void rejectsNul() {
    assertThrows(EntryNames.UnsafeNameException.class, () -> EntryNames.normalise("a\0b"));
  }
}
