package org.stargzstore.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.stargzstore.registry.errors.RegistryDeniedException;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryNotFoundException;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.errors.RegistryRateLimitedException;
import org.stargzstore.registry.errors.RegistryServerException;
import org.stargzstore.registry.errors.RegistryUnauthorizedException;

/**
 * Turns an unsuccessful response into the typed exception callers decide on: the HTTP status
 * and the distribution API's error codes ({@code {"errors":[{"code":"MANIFEST_UNKNOWN",...}]}})
 * give the kind; the message says which action failed and what the registry said.
 */
public final class ErrorDecoder {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_BODY = 64 << 10;
  private static final int MAX_DETAIL = 300;

  private ErrorDecoder() {}

  /**
   * @param action e.g. "pulling manifest 127.0.0.1:5000/app:1"
   * @param authHint appended to 401 messages (which credentials were tried), may be empty
   */
  public static RegistryException decode(Response r, String action, String authHint) {
    List<String> codes = new ArrayList<>();
    String detail = readDetail(r.body(), codes);
    String said = detail.isEmpty() ? "HTTP " + r.code() : "HTTP " + r.code() + ", " + detail;
    String msg = action + ": " + said;
    if (codes.contains("TOOMANYREQUESTS") || r.code() == 429) {
      Duration after = RetryPolicy.retryAfter(r.header("Retry-After"));
      return new RegistryRateLimitedException(msg + (after == null ? ""
          : " (retry after " + after.toSeconds() + " s)"), after);
    }
    if (r.code() == 401 || codes.contains("UNAUTHORIZED")) {
      return new RegistryUnauthorizedException(msg + (authHint.isEmpty() ? "" : "; " + authHint));
    }
    if (r.code() == 403 || codes.contains("DENIED")) {
      return new RegistryDeniedException(msg);
    }
    if (r.code() == 404 || codes.contains("MANIFEST_UNKNOWN") || codes.contains("BLOB_UNKNOWN")
        || codes.contains("NAME_UNKNOWN")) {
      return new RegistryNotFoundException(msg);
    }
    if (r.code() >= 500) {
      return new RegistryServerException(r.code(), msg);
    }
    return new RegistryProtocolException(msg);
  }

  private static String readDetail(ResponseBody body, List<String> codes) {
    if (body == null) {
      return "";
    }
    byte[] bytes;
    try {
      // at most MAX_ERROR_BODY bytes, however long the body or whether its length is declared
      // (a chunked or gzip-encoded error body has none)
      BufferedSource src = body.source();
      src.request(MAX_ERROR_BODY);
      bytes = src.getBuffer().readByteArray(Math.min(src.getBuffer().size(), MAX_ERROR_BODY));
    } catch (IOException e) {
      return "";
    }
    if (bytes.length == 0) {
      return "";
    }
    try {
      JsonNode n = JSON.readTree(bytes);
      if (n != null && n.has("errors") && n.get("errors").isArray()) {
        List<String> parts = new ArrayList<>();
        for (JsonNode e : n.get("errors")) {
          String code = e.path("code").asText("");
          String message = e.path("message").asText("");
          codes.add(code);
          parts.add(code.isEmpty() ? message : code + (message.isEmpty() ? "" : ": " + message));
        }
        return clip(String.join("; ", parts));
      }
    } catch (IOException e) {
      // not JSON: fall through
    }
    String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).trim();
    return text.startsWith("<") || text.isEmpty() ? "" : clip(text.replaceAll("\\s+", " "));
  }

  private static String clip(String s) {
    return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "…";
  }
}
