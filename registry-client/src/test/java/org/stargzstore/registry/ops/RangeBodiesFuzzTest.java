package org.stargzstore.registry.ops;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.stargzstore.registry.RegistryStats;

/**
 * Fuzzes how a multi-range blob read takes a registry's 206 answer apart: the
 * {@code multipart/byteranges} boundary from the Content-Type, each part's headers and
 * {@code Content-Range}, the part bodies, or a single {@code Content-Range} part. The read
 * either fills what the answer holds or fails with an {@link IOException} (the client's
 * {@code RegistryProtocolException}, or an EOF for a cut-off body); it never writes outside a
 * target or marks bytes filled that the answer did not hold.
 *
 * <p>Input: the Content-Type line, the Content-Range line, then the body. The targets are
 * fixed: {@code [0, 10)}, {@code [20, 40)}, {@code [100, 101)}. Seeds: multipart and single-part
 * answers as registries (and the fault proxy) send them.
 */
class RangeBodiesFuzzTest {
  private static final long BLOB_SIZE = 200;

  @FuzzTest(maxDuration = "10s")
  void fillFromAnswer(byte[] input) {
    int nl1 = indexOf(input, 0);
    int nl2 = nl1 < 0 ? -1 : indexOf(input, nl1 + 1);
    if (nl2 < 0) {
      return;
    }
    String contentType = new String(input, 0, nl1, StandardCharsets.ISO_8859_1);
    String contentRange = new String(input, nl1 + 1, nl2 - nl1 - 1, StandardCharsets.ISO_8859_1);
    byte[] body = Arrays.copyOfRange(input, nl2 + 1, input.length);
    Response.Builder r = new Response.Builder()
        .request(new Request.Builder().url("http://registry.invalid/v2/a/blobs/x").build())
        .protocol(Protocol.HTTP_1_1)
        .code(206)
        .message("Partial Content")
        .body(ResponseBody.create(body, MediaType.parse("application/octet-stream")));
    try {
      r.header("Content-Type", contentType).header("Content-Range", contentRange);
    } catch (IllegalArgumentException notAHeaderValue) {
      return; // OkHttp refuses it before the client sees it
    }
    List<RangeBuffer> targets =
        List.of(new RangeBuffer(0, 10), new RangeBuffer(20, 20), new RangeBuffer(100, 1));
    try (Response response = r.build()) {
      RangeBodies.fill(response, targets, BLOB_SIZE, new RegistryStats(), "fuzz read");
    } catch (IOException expected) {
      // the contract: RegistryProtocolException, or EOFException for a cut-off body
    }
    for (RangeBuffer t : targets) {
      for (long[] gap : t.missing()) {
        if (gap[0] < t.offset() || gap[1] > t.end() || gap[0] >= gap[1]) {
          throw new AssertionError("bad missing interval " + Arrays.toString(gap));
        }
      }
    }
  }

  private static int indexOf(byte[] b, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
