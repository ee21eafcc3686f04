package org.stargzstore.registry.ops;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import okio.BufferedSource;
import okio.ByteString;
import org.stargzstore.registry.errors.RegistryProtocolException;

/**
 * Reads a {@code multipart/byteranges} body (RFC 9110 §14.6) part by part, without buffering
 * the body: each part's headers are parsed for its {@code Content-Range}, then its bytes are
 * handed to a consumer as they are read.
 */
final class MultipartByteRanges {
  private static final int MAX_HEADER_LINE = 8 << 10;
  private static final int MAX_PREAMBLE_LINES = 64;

  /** Receives the bytes of one part. */
  interface PartConsumer {
    /** Reads exactly {@code range.length()} bytes of the part from {@code body}. */
    void part(ContentRange range, BufferedSource body) throws IOException;
  }

  private MultipartByteRanges() {}

  /** The boundary parameter of a Content-Type, or null if it is not multipart/byteranges. */
  static String boundary(String contentType) {
    if (contentType == null) {
      return null;
    }
    String[] parts = contentType.split(";");
    if (parts.length == 0 || !parts[0].trim().equalsIgnoreCase("multipart/byteranges")) {
      return null;
    }
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
        String b = p.substring(9).trim();
        if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
          b = b.substring(1, b.length() - 1);
        }
        return b.isEmpty() ? null : b;
      }
    }
    return null;
  }

  /** Reads every part of {@code body} delimited by {@code boundary}. */
  static void read(BufferedSource body, String boundary, PartConsumer consumer, String what)
      throws IOException {
    ByteString delimiter = ByteString.encodeString("--" + boundary, StandardCharsets.ISO_8859_1);
    // preamble: skip lines until the first delimiter
    int lines = 0;
    while (true) {
      String line = line(body, what);
      if (line.startsWith(delimiter.utf8())) {
        if (line.startsWith(delimiter.utf8() + "--")) {
          return; // no parts at all
        }
        break;
      }
      if (++lines > MAX_PREAMBLE_LINES) {
        throw new RegistryProtocolException(what + ": no multipart boundary found");
      }
    }
    while (true) {
      ContentRange range = null;
      while (true) {
        String h = line(body, what);
        if (h.isEmpty()) {
          break;
        }
        int colon = h.indexOf(':');
        if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("Content-Range")) {
          range = ContentRange.parse(h.substring(colon + 1).trim(), what);
        }
      }
      if (range == null) {
        throw new RegistryProtocolException(what + ": a multipart part has no Content-Range");
      }
      consumer.part(range, body);
      // after the part's bytes: CRLF, then the delimiter (or the close delimiter)
      String end = line(body, what);
      if (!end.isEmpty()) {
        throw new RegistryProtocolException(what + ": a multipart part is longer than its"
            + " Content-Range says");
      }
      String next = line(body, what);
      if (!next.startsWith(delimiter.utf8())) {
        throw new RegistryProtocolException(what + ": expected a multipart boundary after a part");
      }
      if (next.startsWith(delimiter.utf8() + "--")) {
        return;
      }
    }
  }

  private static String line(BufferedSource body, String what) throws IOException {
    long nl = body.indexOf((byte) '\n', 0, MAX_HEADER_LINE);
    if (nl < 0) {
      if (body.exhausted()) {
        throw new EOFException(what + ": multipart body ended early");
      }
      throw new RegistryProtocolException(what + ": multipart header line too long");
    }
    String s = body.readString(nl + 1, StandardCharsets.ISO_8859_1);
    int end = s.length() - 1;
    if (end > 0 && s.charAt(end - 1) == '\r') {
      end--;
    }
    return s.substring(0, end);
  }
}
