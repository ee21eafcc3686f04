package org.stargzstore.estargz.toc;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Base64;

/**
 * Field writers shared by the TOC formats we emit (eStargz's TOC and containers/storage's
 * manifest): both come from Go structs with {@code omitempty}, so a zero number or an empty
 * string is left out rather than written.
 */
public final class JsonFields {
  private JsonFields() {}

  /** {@code name: v}, unless {@code v} is 0. */
  public static void number(JsonGenerator g, String name, long v) throws IOException {
    if (v != 0) {
      g.writeNumberField(name, v);
    }
  }

  /** {@code name: v}, unless {@code v} is empty. */
  public static void string(JsonGenerator g, String name, String v) throws IOException {
    if (!v.isEmpty()) {
      g.writeStringField(name, v);
    }
  }

  /** {@code xattrs: {name: base64(value)...}}, unless the entry has none. */
  public static void xattrs(JsonGenerator g, TocEntry e) throws IOException {
    if (!e.xattrNames().isEmpty()) {
      g.writeObjectFieldStart("xattrs");
      for (String k : e.xattrNames()) {
        g.writeStringField(k, Base64.getEncoder().encodeToString(e.xattr(k)));
      }
      g.writeEndObject();
    }
  }
}
