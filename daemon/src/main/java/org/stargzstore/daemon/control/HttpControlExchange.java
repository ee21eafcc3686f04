package org.stargzstore.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The HTTP/1.1 form of a control request, so that a shell script can talk to the daemon with
 * {@code curl --unix-socket} instead of starting a JVM: the auth helper podman runs on every pull
 * must cost milliseconds. {@code POST /OP} with a JSON body is the request
 * {@code {"op": OP, "data": BODY}}; {@code GET /OP} is {@code {"op": OP}}. The answer is the
 * operation's JSON, with status 200 when it says {@code "ok": true} and 400 otherwise. One request
 * per connection; no chunked bodies (curl sends {@code --data-binary @-} with a length).
 */
final class HttpControlExchange {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_HEADER_LINE = 8 << 10;
  private static final int MAX_HEADERS = 64;

  private HttpControlExchange() {}

  /** Whether a connection whose first byte is {@code first} speaks HTTP (a JSON line starts '{'). */
  static boolean startsHttp(int first) {
    return first >= 'A' && first <= 'Z';
  }

  /**
   * Reads the request whose first byte, already consumed, was {@code first}, and returns it as
   * the control request it stands for.
   *
   * @throws BadRequest when it is not a request this endpoint understands
   */
  static ObjectNode readRequest(int first, InputStream in, int maxBody) throws IOException {
    String requestLine = (char) first + readLine(in);
    String[] parts = requestLine.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      throw new BadRequest("not an HTTP/1.x request line: " + printable(requestLine));
    }
    String method = parts[0];
    String path = parts[1];
    int query = path.indexOf('?');
    String op = (query >= 0 ? path.substring(0, query) : path).replaceFirst("^/+", "");
    if (op.isEmpty() || !op.matches("[a-z][a-z0-9-]*")) {
      throw new BadRequest("want POST /OPERATION or GET /OPERATION, not " + printable(path));
    }
    long length = 0;
    for (int n = 0; ; n++) {
      String header = readLine(in);
      if (header.isEmpty()) {
        break;
      }
      if (n >= MAX_HEADERS) {
        throw new BadRequest("too many headers");
      }
      int colon = header.indexOf(':');
      if (colon <= 0) {
        throw new BadRequest("malformed header line: " + printable(header));
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        try {
          length = Long.parseLong(value);
        } catch (NumberFormatException e) {
          throw new BadRequest("bad Content-Length: " + printable(value));
        }
      } else if (name.equals("transfer-encoding")) {
        throw new BadRequest("chunked bodies are not supported: send a Content-Length");
      }
    }
    if (length < 0 || length > maxBody) {
      throw new BadRequest("body of " + length + " bytes (at most " + maxBody + ")");
    }
    byte[] body = in.readNBytes((int) length);
    if (body.length != length) {
      throw new BadRequest("body cut off after " + body.length + " of " + length + " bytes");
    }
    ObjectNode req = JSON.createObjectNode();
    req.put("op", op);
    if (method.equals("POST")) {
      JsonNode data;
      try {
        data = body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
      } catch (IOException e) {
        // never echo the body: it may hold a password
        throw new BadRequest("the body of POST /" + op + " is not JSON");
      }
      req.set("data", data);
    } else if (!method.equals("GET")) {
      throw new BadRequest("method " + printable(method) + " not supported (GET or POST)");
    }
    return req;
  }

  /** Writes {@code response} as the HTTP answer; the connection closes after it. */
  static void writeResponse(OutputStream out, JsonNode response) throws IOException {
    int status = response.path("ok").asBoolean(true) ? 200 : 400;
    writeResponse(out, status, JSON.writeValueAsBytes(response));
  }

  static void writeResponse(OutputStream out, int status, byte[] json) throws IOException {
    String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Bad Request") + "\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: " + (json.length + 1) + "\r\n"
        + "Connection: close\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(json);
    out.write('\n');
    out.flush();
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int ch;
    while ((ch = in.read()) >= 0 && ch != '\n') {
      if (b.size() >= MAX_HEADER_LINE) {
        throw new BadRequest("header line longer than " + MAX_HEADER_LINE + " bytes");
      }
      b.write(ch);
    }
    if (ch < 0) {
      throw new BadRequest("connection closed in the middle of the request head");
    }
    String line = b.toString(StandardCharsets.ISO_8859_1);
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  private static String printable(String s) {
    String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return "'" + t.replaceAll("[^\\x20-\\x7e]", "?") + "'";
  }

  /** A request this endpoint does not understand: answered with 400 and the reason. */
  static final class BadRequest extends IOException {
    BadRequest(String message) {
      super(message);
    }
  }
}
