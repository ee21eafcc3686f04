package org.stargzstore.estargz.writer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Small tars for edge cases, written by Commons Compress (not by the code under test). */
final class TarTestFiles {
  private TarTestFiles() {}

  record Spec(String name, byte type, byte[] content, String linkName, Map<String, String> pax) {}

  static Spec file(String name, String content) {
    return new Spec(name, TarConstants.LF_NORMAL, content.getBytes(StandardCharsets.UTF_8), "",
        Map.of());
  }

  static Spec file(String name, byte[] content) {
    return new Spec(name, TarConstants.LF_NORMAL, content, "", Map.of());
  }

  static Spec dir(String name) {
    return new Spec(name, TarConstants.LF_DIR, new byte[0], "", Map.of());
  }

  static void write(Path tar, List<Spec> specs) throws IOException {
    try (OutputStream o = Files.newOutputStream(tar);
        TarArchiveOutputStream t = new TarArchiveOutputStream(o, StandardCharsets.UTF_8.name())) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Spec s : specs) {
        TarArchiveEntry e = new TarArchiveEntry(s.name(), s.type(), true);
        e.setSize(s.type() == TarConstants.LF_NORMAL ? s.content().length : 0);
        e.setMode(s.type() == TarConstants.LF_DIR ? 040755 : 0100644);
        e.setModTime(1_700_000_000_000L);
        e.setLinkName(s.linkName());
        s.pax().forEach(e::addPaxHeader);
        t.putArchiveEntry(e);
        if (s.type() == TarConstants.LF_NORMAL) {
          t.write(s.content());
        }
        t.closeArchiveEntry();
      }
      t.finish();
    }
  }
}
