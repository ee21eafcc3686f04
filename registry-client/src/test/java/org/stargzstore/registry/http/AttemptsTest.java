package org.stargzstore.registry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;
import org.stargzstore.registry.RegistryStats;
import org.stargzstore.registry.errors.RegistryNotFoundException;

/**
 * The one retry decision: a budget of tries per operation that every layer draws on, transient
 * failures only, no wait that would end past the deadline. (FaultInjectionTest and
 * StallingRegistryTest count the requests this makes against a real registry.)
 */
class AttemptsTest {
  private static final RetryPolicy QUICK = new RetryPolicy(4, Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofSeconds(5));
  private final RegistryStats stats = new RegistryStats();

  private Attempts start(RetryPolicy policy, Duration timeout) {
    return Attempts.start(policy, stats, Deadline.in(timeout));
  }

  @Test
  void transientFailuresAreTriedAgainUntilTheBudgetIsSpent() throws Exception {
    Attempts a = start(QUICK, null);
    assertTrue(a.retry(new SocketException("Connection reset")));
    assertTrue(a.retry(new EOFException("unexpected end of stream")));
    assertTrue(a.next("a wrong Content-Range"));
    assertEquals(4, a.attempt());
    assertFalse(a.retry(new SocketException("Connection reset")), "4 tries in all");
    assertEquals(3, stats.snapshot().retries());
  }

  @Test
  void failuresAnotherTryWouldMeetAgainAreNotRetried() throws Exception {
    Attempts a = start(QUICK, null);
    assertFalse(a.retry(new UnknownHostException("registry.invalid")));
    assertFalse(a.retry(new RegistryNotFoundException("blob unknown")));
    assertFalse(a.retry(new InterruptedIOException("timeout")), "the deadline passed");
    assertEquals(1, a.attempt());
    assertEquals(0, stats.snapshot().retries());
  }

  @Test
  void downOrHungSourceIsLeftAtOnceOnlyWhenAnotherSourceIsLeft() throws Exception {
    Attempts a = start(QUICK, null);
    a.otherSourceLeft(true);
    assertFalse(a.retry(new ConnectException("Connection refused")), "a mirror that is down");
    assertFalse(a.retry(new SocketTimeoutException("Read timed out")), "a mirror that hangs");
    assertFalse(a.retry(new SocketTimeoutException("Connect timed out")));
    assertTrue(a.retry(new SocketException("Connection reset")), "a flaky one is retried");
    a.restart();
    a.otherSourceLeft(false);
    assertTrue(a.retry(new ConnectException("Connection refused")), "the last source");
    assertTrue(a.retry(new SocketTimeoutException("Read timed out")), "the last source");
  }

  @Test
  void stepsOfAnOperationShareOneBudgetEachWithItsOwnDeadline() throws Exception {
    Attempts upload = start(QUICK, null);
    Attempts put = upload.withTimeout(Duration.ofSeconds(30));
    assertTrue(put.retry(new SocketException("reset")));
    Attempts patch = upload.withTimeout(Duration.ofSeconds(30));
    assertEquals(2, patch.attempt(), "the second step goes on counting");
    assertTrue(patch.next("restart"));
    assertTrue(upload.next("restart"));
    assertFalse(put.retry(new SocketException("reset")));
    assertFalse(patch.deadline().isNone());
    assertTrue(upload.deadline().isNone());
  }

  @Test
  void anotherSourceStartsWithFreshTries() throws Exception {
    Attempts a = start(QUICK, null);
    while (a.retry(new SocketException("reset"))) {
      // spend them
    }
    a.restart();
    assertEquals(1, a.attempt());
    assertTrue(a.retry(new SocketException("reset")));
  }

  @Test
  void aWaitThatWouldEndPastTheDeadlineIsNotStarted() throws Exception {
    RegistryStats none = new RegistryStats();
    RetryPolicy slow = new RetryPolicy(4, Duration.ofSeconds(20), Duration.ofSeconds(20),
        Duration.ofSeconds(30));
    Attempts a = Attempts.start(slow, none, Deadline.in(Duration.ofSeconds(5)));
    assertFalse(a.retry(new SocketException("reset")), "10-20 s of backoff in 5 s: no");
    assertFalse(a.retry(answer(503, Map.of("Retry-After", "10"))));
    assertEquals(0, none.snapshot().retries());
  }

  @Test
  void answersAreRetriedAsTheirStatusAndRetryAfterSay() throws Exception {
    Attempts a = start(QUICK, null);
    assertFalse(a.retry(answer(404, Map.of())));
    assertFalse(a.retry(answer(501, Map.of())), "not implemented will not change");
    assertFalse(a.retry(answer(429, Map.of("Retry-After", "3600"))),
        "longer than maxRetryAfter: reported as rate limiting, not waited for");
    assertTrue(a.retry(answer(503, Map.of("Retry-After", "0"))));
    assertTrue(a.retry(answer(500, Map.of())));
    assertTrue(a.retry(answer(408, Map.of())));
    assertFalse(a.retry(answer(502, Map.of())), "budget spent");
  }

  private static Response answer(int code, Map<String, String> headers) {
    Response.Builder b = new Response.Builder()
        .request(new Request.Builder().url("http://registry.invalid/v2/").build())
        .protocol(Protocol.HTTP_1_1).code(code).message("status " + code)
        .body(ResponseBody.create(new byte[0], null));
    headers.forEach(b::header);
    return b.build();
  }

  @Test
  void onlyTheDocumentedFailuresAreTransient() {
    assertTrue(RetryPolicy.isTransient(new SocketException("reset")));
    assertFalse(RetryPolicy.isTransient(new UnknownHostException("x")));
    for (int code : new int[] {408, 429, 500, 502, 503, 504}) {
      assertTrue(RetryPolicy.isTransientStatus(code), "HTTP " + code);
    }
    for (int code : new int[] {400, 401, 403, 404, 416, 501}) {
      assertFalse(RetryPolicy.isTransientStatus(code), "HTTP " + code);
    }
  }
}
