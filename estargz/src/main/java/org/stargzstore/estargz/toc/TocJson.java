package org.stargzstore.estargz.toc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.TocTooLargeException;

/**
 * Reads and writes the TOC JSON shared by eStargz and zstd:chunked. A streaming parser: TOCs of
 * images with 100k files are tens of megabytes, and a bad one must fail with a message that says
 * which entry and field is wrong.
 */
public final class TocJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(64 << 20)
          .maxNestingDepth(16)
          .build())
      .build();

  private TocJson() {}

  /** Parses TOC JSON; unknown fields are ignored, wrong types are an {@link InvalidTocException}. */
  public static Toc parse(byte[] json, String blob) throws InvalidTocException {
    return parse(json, blob, Integer.MAX_VALUE);
  }

  /**
   * As {@link #parse(byte[], String)}, refusing a TOC of more than {@code maxEntries} entries
   * with a {@link TocTooLargeException} as soon as the parser reaches the one too many (the
   * entries before it are all that was built).
   */
  public static Toc parse(byte[] json, String blob, int maxEntries) throws InvalidTocException {
    try (JsonParser p = FACTORY.createParser(json)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, "TOC", blob);
      int version = 0;
      List<TocEntry> entries = null;
      String tarSplitDigest = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "version" -> {
            expect(p, t, JsonToken.VALUE_NUMBER_INT, "TOC version", blob);
            version = p.getIntValue();
          }
          case "entries" -> {
            if (t == JsonToken.VALUE_NULL) {
              entries = new ArrayList<>();
              continue;
            }
            expect(p, t, JsonToken.START_ARRAY, "TOC entries", blob);
            entries = new ArrayList<>();
            Times times = new Times();
            Repeated repeated = new Repeated();
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
              if (t != JsonToken.START_OBJECT) {
                expect(p, t, JsonToken.START_OBJECT, "entry #" + entries.size(), blob);
              }
              if (entries.size() == maxEntries) {
                throw new TocTooLargeException(blob, "the TOC has more than " + maxEntries
                    + " entries, over the limit of " + maxEntries, true);
              }
              entries.add(parseEntry(p, entries.size(), times, repeated, blob));
            }
          }
          case "tarSplitDigest" -> {
            // anything but a string is no digest: the tar-split is then simply not used
            if (t == JsonToken.VALUE_STRING) {
              tarSplitDigest = p.getText();
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new InvalidTocException(blob, "trailing data after the TOC JSON object");
      }
      if (entries == null) {
        throw new InvalidTocException(blob, "TOC JSON has no \"entries\" array");
      }
      if (version != 1) {
        throw new InvalidTocException(blob, "unsupported TOC version " + version + " (want 1)");
      }
      return new Toc(version, entries, java.util.Optional.ofNullable(tarSplitDigest));
    } catch (InvalidTocException e) {
      throw e;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidTocException(blob, "TOC is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidTocException(blob, "TOC could not be read: " + e.getMessage(), e);
    }
  }

  private static TocEntry parseEntry(JsonParser p, int index, Times times, Repeated repeated,
      String blob) throws IOException {
    TocEntry.Builder b = TocEntry.builder();
    String name = null;
    String type = null;
    Where where = new Where(index);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      where.name = name;
      where.field = field;
      if (t == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (field) {
        case "name" -> {
          name = string(p, t, where, blob);
          b.name(name);
        }
        case "type" -> {
          type = repeated.of(string(p, t, where, blob));
          b.type(type);
        }
        case "size" -> b.size(nonNegative(p, t, where, blob));
        case "modtime" -> b.modTime(times.parse(string(p, t, where, blob), where, blob));
        case "accesstime" -> b.accessTime(times.parse(string(p, t, where, blob), where, blob));
        case "changetime" -> b.changeTime(times.parse(string(p, t, where, blob), where, blob));
        case "linkName" -> b.linkName(string(p, t, where, blob));
        case "mode" -> b.mode(nonNegative(p, t, where, blob));
        case "uid" -> b.uid(id(p, t, where, blob));
        case "gid" -> b.gid(id(p, t, where, blob));
        case "userName" -> b.userName(repeated.of(string(p, t, where, blob)));
        case "groupName" -> b.groupName(repeated.of(string(p, t, where, blob)));
        case "devMajor" -> b.devMajor(id(p, t, where, blob));
        case "devMinor" -> b.devMinor(id(p, t, where, blob));
        case "xattrs" -> {
          expect(p, t, JsonToken.START_OBJECT, where, blob);
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = repeated.of(p.currentName());
            JsonToken vt = p.nextToken();
            String value = vt == JsonToken.VALUE_NULL ? "" : string(p, vt, where + "." + key, blob);
            try {
              b.xattr(key, Base64.getDecoder().decode(value));
            } catch (IllegalArgumentException e) {
              throw new InvalidTocException(blob, where + "." + key + " is not base64");
            }
          }
        }
        case "digest" -> b.digest(string(p, t, where, blob));
        case "offset" -> b.offset(nonNegative(p, t, where, blob));
        case "endOffset" -> b.endOffset(nonNegative(p, t, where, blob));
        case "chunkOffset" -> b.chunkOffset(nonNegative(p, t, where, blob));
        case "chunkSize" -> b.chunkSize(nonNegative(p, t, where, blob));
        case "chunkDigest" -> b.chunkDigest(string(p, t, where, blob));
        case "innerOffset" -> b.innerOffset(nonNegative(p, t, where, blob));
        case "chunkType" -> b.chunkType(repeated.of(string(p, t, where, blob)));
        default -> p.skipChildren();
      }
    }
    if (name == null) {
      throw new InvalidTocException(blob, "entry #" + index + " has no name");
    }
    if (type == null) {
      throw new InvalidTocException(blob, "entry #" + index + " (" + name + ") has no type");
    }
    return b.build();
  }

  private static void expect(JsonParser p, JsonToken got, JsonToken want, Object where,
      String blob)
      throws InvalidTocException {
    if (got != want) {
      throw new InvalidTocException(blob, where + ": expected " + describe(want) + " but found "
          + (got == null ? "end of input" : describe(got)));
    }
  }

  private static String describe(JsonToken t) {
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      default -> t.asString() != null ? "'" + t.asString() + "'" : t.name().toLowerCase();
    };
  }

  private static String string(JsonParser p, JsonToken t, Object where, String blob)
      throws IOException {
    expect(p, t, JsonToken.VALUE_STRING, where, blob);
    return p.getText();
  }

  private static long nonNegative(JsonParser p, JsonToken t, Object where, String blob)
      throws IOException {
    expect(p, t, JsonToken.VALUE_NUMBER_INT, where, blob);
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw new InvalidTocException(blob, where + " is out of range: " + p.getText());
    }
    long v = p.getLongValue();
    if (v < 0) {
      throw new InvalidTocException(blob, where + " is negative: " + v);
    }
    return v;
  }

  private static int id(JsonParser p, JsonToken t, Object where, String blob) throws IOException {
    long v = nonNegative(p, t, where, blob);
    if (v > Integer.MAX_VALUE) {
      throw new InvalidTocException(blob, where + " is out of range: " + v);
    }
    return (int) v;
  }

  /** Where a parse error is, as text only when an error is reported. */
  private static final class Where {
    final int index;
    String name;
    String field;

    Where(int index) {
      this.index = index;
    }

    @Override
    public String toString() {
      return "entry #" + index + (name != null ? " (" + name + ")" : "") + " field " + field;
    }
  }

  /**
   * One copy of the short strings every entry repeats (type, owner names, xattr names), so that a
   * TOC of a million entries does not hold a million copies of "reg" and "root". Bounded: a TOC
   * of all-distinct owner names only stops being deduplicated.
   */
  private static final class Repeated {
    private static final int MAX = 4096;
    private final java.util.HashMap<String, String> seen = new java.util.HashMap<>();

    String of(String s) {
      String known = seen.get(s);
      if (known != null) {
        return known;
      }
      if (seen.size() < MAX) {
        seen.put(s, s);
      }
      return s;
    }
  }

  /** RFC 3339 times; layers repeat the same few, so the last one parsed is remembered. */
  private static final class Times {
    private String lastText;
    private Instant last;

    Instant parse(String s, Object where, String blob) throws InvalidTocException {
      if (s.isEmpty()) {
        return null;
      }
      if (s.equals(lastText)) {
        return last;
      }
      try {
        last = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        lastText = s;
        return last;
      } catch (DateTimeParseException e) {
        throw new InvalidTocException(blob, where + " is not an RFC 3339 time: " + s);
      }
    }
  }

  /**
   * Writes a TOC in the eStargz field order, tab-indented as the reference implementation does;
   * containers/storage-only fields are written only when set.
   */
  public static byte[] write(Toc toc) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.setPrettyPrinter(new TabPrettyPrinter());
      g.writeStartObject();
      g.writeNumberField("version", toc.version());
      g.writeArrayFieldStart("entries");
      for (TocEntry e : toc.entries()) {
        writeEntry(g, e);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeEntry(JsonGenerator g, TocEntry e) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", e.name());
    g.writeStringField("type", e.type());
    JsonFields.number(g, "size", e.size());
    timeField(g, "modtime", e.modTime());
    timeField(g, "accesstime", e.accessTime());
    timeField(g, "changetime", e.changeTime());
    JsonFields.string(g, "linkName", e.linkName());
    JsonFields.number(g, "mode", e.mode());
    JsonFields.number(g, "uid", e.uid());
    JsonFields.number(g, "gid", e.gid());
    JsonFields.string(g, "userName", e.userName());
    JsonFields.string(g, "groupName", e.groupName());
    JsonFields.number(g, "offset", e.offset());
    JsonFields.number(g, "endOffset", e.endOffset());
    JsonFields.number(g, "devMajor", e.devMajor());
    JsonFields.number(g, "devMinor", e.devMinor());
    JsonFields.xattrs(g, e);
    JsonFields.string(g, "digest", e.digest());
    JsonFields.number(g, "chunkOffset", e.chunkOffset());
    JsonFields.number(g, "chunkSize", e.chunkSize());
    JsonFields.string(g, "chunkDigest", e.chunkDigest());
    JsonFields.number(g, "innerOffset", e.innerOffset());
    JsonFields.string(g, "chunkType", e.chunkType());
    g.writeEndObject();
  }

  private static void timeField(JsonGenerator g, String name, Instant v) throws IOException {
    if (v != null) {
      g.writeStringField(name, DateTimeFormatter.ISO_INSTANT.format(v));
    }
  }

  /** Go's {@code json.MarshalIndent(v, "", "\t")} layout. */
  private static final class TabPrettyPrinter
      extends com.fasterxml.jackson.core.util.DefaultPrettyPrinter {
    private static final long serialVersionUID = 1L;

    TabPrettyPrinter() {
      super();
      Indenter tabs = new com.fasterxml.jackson.core.util.DefaultIndenter("\t", "\n");
      indentObjectsWith(tabs);
      indentArraysWith(tabs);
      _objectFieldValueSeparatorWithSpaces = ": ";
    }

    @Override
    public TabPrettyPrinter createInstance() {
      return new TabPrettyPrinter();
    }
  }
}
