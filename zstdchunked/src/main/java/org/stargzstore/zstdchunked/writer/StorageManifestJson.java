package org.stargzstore.zstdchunked.writer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.stargzstore.estargz.toc.JsonFields;
import org.stargzstore.estargz.toc.TocEntry;
import org.stargzstore.types.Digest;

/**
 * Serialises a containers/storage zstd:chunked manifest the way containers/storage does (Go
 * {@code json.Marshal} of {@code minimal.TOC}): compact, fields in its order, empty fields left
 * out, times in RFC 3339 with only the fractional digits needed, and the top-level
 * {@code tarSplitDigest} when the layer carries tar-split. The eStargz TOC writer
 * ({@code TocJson}) has neither that field nor that layout.
 */
final class StorageManifestJson {
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  private StorageManifestJson() {}

  static byte[] write(List<TocEntry> entries, Digest tarSplitDigest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("version", 1);
      g.writeArrayFieldStart("entries");
      for (TocEntry e : entries) {
        writeEntry(g, e);
      }
      g.writeEndArray();
      if (tarSplitDigest != null) {
        g.writeStringField("tarSplitDigest", tarSplitDigest.toString());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeEntry(JsonGenerator g, TocEntry e) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", e.type());
    g.writeStringField("name", e.name());
    JsonFields.string(g, "linkName", e.linkName());
    JsonFields.number(g, "mode", e.mode());
    JsonFields.number(g, "size", e.size());
    JsonFields.number(g, "uid", e.uid());
    JsonFields.number(g, "gid", e.gid());
    time(g, "modtime", e.modTime());
    time(g, "accesstime", e.accessTime());
    time(g, "changetime", e.changeTime());
    JsonFields.number(g, "devMajor", e.devMajor());
    JsonFields.number(g, "devMinor", e.devMinor());
    JsonFields.xattrs(g, e);
    JsonFields.string(g, "digest", e.digest());
    JsonFields.number(g, "offset", e.offset());
    JsonFields.number(g, "endOffset", e.endOffset());
    JsonFields.number(g, "chunkSize", e.chunkSize());
    JsonFields.number(g, "chunkOffset", e.chunkOffset());
    JsonFields.string(g, "chunkDigest", e.chunkDigest());
    JsonFields.string(g, "chunkType", e.chunkType());
    g.writeEndObject();
  }

  private static void time(JsonGenerator g, String name, Instant t) throws IOException {
    if (t != null) {
      g.writeStringField(name, rfc3339Nano(t));
    }
  }

  /** Go's {@code time.RFC3339Nano} in UTC: trailing zeros of the fraction are dropped. */
  static String rfc3339Nano(Instant t) {
    String s = SECONDS.format(t);
    int nanos = t.getNano();
    if (nanos != 0) {
      String frac = String.format("%09d", nanos);
      int end = frac.length();
      while (frac.charAt(end - 1) == '0') {
        end--;
      }
      s += "." + frac.substring(0, end);
    }
    return s + "Z";
  }
}
