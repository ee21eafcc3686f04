package org.stargzstore.registry.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import org.stargzstore.registry.auth.BearerToken;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryProtocolException;

/**
 * Fuzzes the small answers a registry or token server sends besides manifests and blobs: a
 * token answer ({@link TokenResponse}) is a token that expires within a year or a
 * {@link RegistryProtocolException}; an error answer of unknown length ({@link ErrorDecoder})
 * always becomes a typed {@link RegistryException} with a bounded message; a
 * {@code Retry-After} value is absent or not negative.
 *
 * <p>Input: the Retry-After value up to the first newline, then the body. Seeds: token answers
 * of Docker Hub's and distribution's shapes, error answers, HTML error pages.
 */
class RegistryAnswersFuzzTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @FuzzTest(maxDuration = "8s")
  void readAnswer(byte[] input) throws Exception {
    int nl = 0;
    while (nl < input.length && input[nl] != '\n') {
      nl++;
    }
    String retryAfter = new String(input, 0, nl, StandardCharsets.ISO_8859_1);
    byte[] body = nl < input.length ? Arrays.copyOfRange(input, nl + 1, input.length) : input;

    try {
      BearerToken t = TokenResponse.parse(body, NOW, Duration.ofSeconds(60), "token server",
          "fuzz");
      if (t.token().isEmpty() || t.expires().isBefore(NOW.minus(Duration.ofDays(366)))
          || t.expires().isAfter(NOW.plus(Duration.ofDays(2 * 366)))) {
        throw new AssertionError("unusable token " + t.expires());
      }
    } catch (RegistryProtocolException expected) {
      // the contract: a typed error naming the token server
    }

    for (int code : new int[] {401, 404, 429, 503}) {
      Response.Builder r = new Response.Builder()
          .request(new Request.Builder().url("http://registry.invalid/v2/").build())
          .protocol(Protocol.HTTP_1_1).code(code).message("x")
          .body(ResponseBody.create(new Buffer().write(body), null, -1));
      try {
        r.header("Retry-After", retryAfter);
      } catch (IllegalArgumentException notAHeaderValue) {
        // OkHttp refuses it before the client sees it
      }
      try (Response response = r.build()) {
        RegistryException e = ErrorDecoder.decode(response, "fuzz", "");
        if (e == null || e.getMessage().length() > 1000) {
          throw new AssertionError("unbounded error message for HTTP " + code);
        }
      }
    }

    Duration d = RetryPolicy.retryAfter(retryAfter);
    if (d != null && d.isNegative()) {
      throw new AssertionError("negative Retry-After " + d);
    }
  }
}
