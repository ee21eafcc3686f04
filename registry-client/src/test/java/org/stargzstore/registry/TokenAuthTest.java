package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.registry.auth.Credential;
import org.stargzstore.registry.errors.RegistryUnauthorizedException;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.testkit.TokenServer;

/**
 * The registry token flow against the real registry configured for token auth and a token
 * server in the test (JWTs signed with a Bouncy Castle certificate the registry trusts):
 * tokens per scope, cached, refreshed when the registry rejects them or they expire, anonymous
 * tokens, OAuth2 refresh (identity) tokens, and the extra pull scope a mount needs.
 */
@IntegrationTest
class TokenAuthTest {
  private static final String USER = "carol";
  private static final String PASSWORD = "token-pass-987";
  private static Path serverDir;
  private static TokenServer tokens;
  private static RegistryServer registry;
  private static final byte[] LAYER = TestImages.random(300_000, 31);

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    serverDir = Files.createTempDirectory("srs-token-");
    tokens = TokenServer.start(serverDir).user(USER, PASSWORD).refreshToken("refresh-abc", USER);
    registry = RegistryServer.builder().tokenAuth(tokens).build();
    registry.start();
    try (RegistryClient c = TestSetup.insecureClient(serverDir.resolve("c"), registry.hostPort())) {
      c.runtimeCredentials().put(registry.hostPort(), Credential.basic(USER, PASSWORD));
      TestImages.push(c, ref("tok/app:1"), LAYER);
    }
  }

  @AfterAll
  static void stop() {
    registry.stop();
    tokens.close();
    TempDirs.deleteRecursively(serverDir);
  }

  @BeforeEach
  void reset() {
    tokens.anonymousPull(false).lifetime(Duration.ofMinutes(5), 300).issueExpired(0)
        .chunkedAnswers(false);
  }

  private static ImageReference ref(String s) {
    return ImageReference.parse(registry.hostPort() + "/" + s);
  }

  private RegistryClient client(Credential cred) throws Exception {
    return client(cred, Duration.ofSeconds(60));
  }

  private RegistryClient client(Credential cred, Duration minLifetime) throws Exception {
    RegistryClient c = RegistryClient.create(TestSetup.config(dir,
        TestSetup.insecureRegistriesConf(dir, registry.hostPort()))
        .minimumTokenLifetime(minLifetime).build());
    if (cred != null) {
      c.runtimeCredentials().put(registry.hostPort(), cred);
    }
    return c;
  }

  private static void read(RegistryClient c, int off) throws Exception {
    ResolvedImage img = c.resolve(ref("tok/app:1"));
    assertArrayEquals(Arrays.copyOfRange(LAYER, off, off + 1000),
        c.blob(img, img.layers().get(0)).read(off, 1000));
  }

  @Test
  void userTokenIsFetchedOnceForItsScopeAndReused() throws Exception {
    try (RegistryClient c = client(Credential.basic(USER, PASSWORD))) {
      int before = tokens.tokensIssued();
      read(c, 0);
      read(c, 5000);
      read(c, 9000);
      assertEquals(1, tokens.tokensIssued() - before, "one token for repository:tok/app:pull");
      String last = tokens.requests().get(tokens.requests().size() - 1);
      assertEquals("GET repository:tok/app:pull [" + USER + "]", last);
    }
  }

  @Test
  void aTokenAnswerWithoutContentLengthIsRead() throws Exception {
    // the client used to read exactly its 1 MiB limit and failed with an EOF on any token
    // answer of unknown length (chunked, or gzip-encoded and decoded by OkHttp)
    tokens.chunkedAnswers(true);
    try (RegistryClient c = client(Credential.basic(USER, PASSWORD))) {
      read(c, 0);
    }
  }

  @Test
  void anonymousTokensWhenTheServerAllowsAnonymousPulls() throws Exception {
    tokens.anonymousPull(true);
    try (RegistryClient c = client(null)) {
      read(c, 10);
    }
  }

  @Test
  void anonymousWithoutPullRightIsUnauthorized() throws Exception {
    try (RegistryClient c = client(null)) {
      RegistryUnauthorizedException e = assertThrows(RegistryUnauthorizedException.class,
          () -> c.resolve(ref("tok/app:1")));
      assertTrue(e.getMessage().contains("no credentials found"), e.getMessage());
    }
  }

  @Test
  void wrongPasswordIsRejectedByTheTokenServer() throws Exception {
    try (RegistryClient c = client(Credential.basic(USER, "nope-wrong")); LogCapture logs =
        new LogCapture()) {
      RegistryUnauthorizedException e = assertThrows(RegistryUnauthorizedException.class,
          () -> c.resolve(ref("tok/app:1")));
      assertTrue(e.getMessage().contains("token server"), e.getMessage());
      assertTrue(e.getMessage().contains("user " + USER), e.getMessage());
      BasicAuthTest.assertNoSecret(logs, "nope-wrong");
    }
  }

  @Test
  void tokenRejectedByTheRegistryIsRefreshed() throws Exception {
    // the first token is already expired although the server advertises 300 s: the client
    // trusts it, the registry answers 401, the client must fetch a new one and succeed
    tokens.issueExpired(1);
    try (RegistryClient c = client(Credential.basic(USER, PASSWORD))) {
      int before = tokens.tokensIssued();
      read(c, 0);
      assertEquals(before + 2, tokens.tokensIssued(), "a fresh token after the 401");
      long unauthorized = Files.readAllLines(registry.logFile()).stream()
          .filter(l -> l.contains("GET /v2/tok/app/manifests/1 HTTP/1.1\" 401")).count();
      assertTrue(unauthorized >= 1, "the registry did reject the expired token");
      read(c, 100);
      assertEquals(before + 2, tokens.tokensIssued(), "the fresh token is reused");
    }
  }

  @Test
  void expiredTokenIsRefreshedBeforeUse() throws Exception {
    tokens.lifetime(Duration.ofMinutes(5), 1);
    try (RegistryClient c = client(Credential.basic(USER, PASSWORD), Duration.ZERO)) {
      read(c, 0);
      int before = tokens.tokensIssued();
      read(c, 10);
      assertEquals(before, tokens.tokensIssued(), "still valid: reused");
      Thread.sleep(1200);
      read(c, 20);
      assertEquals(before + 1, tokens.tokensIssued(), "expired by expires_in: fetched anew");
    }
  }

  @Test
  void identityTokenFromTheAuthFileUsesTheOAuth2RefreshGrant() throws Exception {
    String auth = Base64.getEncoder().encodeToString("<token>:".getBytes(StandardCharsets.UTF_8));
    Files.writeString(dir.resolve("auth.json"), "{\"auths\":{\"" + registry.hostPort()
        + "\":{\"auth\":\"" + auth + "\",\"identitytoken\":\"refresh-abc\"}}}");
    try (RegistryClient c = client(null); LogCapture logs = new LogCapture()) {
      read(c, 0);
      String last = tokens.requests().get(tokens.requests().size() - 1);
      assertTrue(last.startsWith("POST repository:tok/app:pull [" + USER + "]"), last);
      BasicAuthTest.assertNoSecret(logs, "refresh-abc");
    }
  }

  @Test
  void pushAsksForPushScopeAndMountAddsPullOnTheSource() throws Exception {
    try (RegistryClient c = client(Credential.basic(USER, PASSWORD))) {
      BlobContent blob = BlobContent.ofBytes(TestImages.random(5000, 32));
      assertEquals(PushResult.UPLOADED, c.pushBlob(ref("tok/src"), blob,
          PushOptions.monolithic()));
      assertTrue(tokens.requests().stream().anyMatch(
          r -> r.startsWith("GET repository:tok/src:pull,push")), tokens.requests().toString());
      assertEquals(PushResult.MOUNTED, c.pushBlob(ref("tok/dst"), blob,
          PushOptions.monolithic().mountingFrom(ref("tok/src"))));
      String last = tokens.requests().get(tokens.requests().size() - 1);
      assertTrue(last.contains("repository:tok/dst:pull,push")
          && last.contains("repository:tok/src:pull"), last);
      assertFalse(last.contains("repository:tok/src:pull,push"), last);
    }
  }
}
