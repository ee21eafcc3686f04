package org.stargzstore.daemon.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.toc.EntryType;

/**
 * How {@code layer ls} prints one entry: a JSON object on one line (the stable, scriptable
 * form) or an {@code ls -l}-like line for people.
 */
final class EntryLines {
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  private EntryLines() {}

  /**
   * One JSON object: name, type, mode, uid, gid, size, mtime (seconds), linkName, devMajor,
   * devMinor, xattrs (name to base64), digest ({@code sha256:...} of a regular file, else "").
   */
  static String json(LayerEntry e, String digest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("name", e.name());
      g.writeStringField("type", e.type().jsonName());
      g.writeNumberField("mode", e.mode());
      g.writeNumberField("uid", e.uid());
      g.writeNumberField("gid", e.gid());
      g.writeNumberField("size", e.size());
      g.writeNumberField("mtime", e.modTime().getEpochSecond());
      g.writeStringField("linkName", e.linkName());
      g.writeNumberField("devMajor", e.devMajor());
      g.writeNumberField("devMinor", e.devMinor());
      g.writeObjectFieldStart("xattrs");
      for (String x : e.xattrNames()) {
        g.writeStringField(x, Base64.getEncoder().encodeToString(e.xattr(x)));
      }
      g.writeEndObject();
      g.writeStringField("digest", digest);
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** {@code -rw-r--r--  root/root  12 2023-11-14 22:13 etc/hostname}, like {@code tar tv}. */
  static String human(LayerEntry e) {
    String owner = (e.userName().isEmpty() ? Integer.toString(e.uid()) : e.userName()) + "/"
        + (e.groupName().isEmpty() ? Integer.toString(e.gid()) : e.groupName());
    String size = e.type() == EntryType.CHAR || e.type() == EntryType.BLOCK
        ? e.devMajor() + "," + e.devMinor() : Long.toString(e.size());
    String tail = switch (e.type()) {
      case SYMLINK -> " -> " + e.linkName();
      case HARDLINK -> " link to " + e.linkName();
      case DIR -> "/";
      default -> "";
    };
    return String.format("%s %-17s %10s %s %s%s", modeString(e), owner, size,
        TIME.format(e.modTime()), e.name(), tail);
  }

  static String modeString(LayerEntry e) {
    char type = switch (e.type()) {
      case DIR -> 'd';
      case SYMLINK -> 'l';
      case HARDLINK -> 'h';
      case CHAR -> 'c';
      case BLOCK -> 'b';
      case FIFO -> 'p';
      default -> '-';
    };
    long m = e.mode();
    StringBuilder s = new StringBuilder().append(type);
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      s.append((m & (1L << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    if ((m & 04000) != 0) {
      s.setCharAt(3, (m & 0100) != 0 ? 's' : 'S');
    }
    if ((m & 02000) != 0) {
      s.setCharAt(6, (m & 010) != 0 ? 's' : 'S');
    }
    if ((m & 01000) != 0) {
      s.setCharAt(9, (m & 01) != 0 ? 't' : 'T');
    }
    return s.toString();
  }
}
