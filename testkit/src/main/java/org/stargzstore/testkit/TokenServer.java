package org.stargzstore.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small token server (the Docker registry token authentication flow) for tests: it checks
 * Basic credentials or an OAuth2 refresh token, grants the requested repository actions to known
 * users, and returns a JWT signed (RS256) by a certificate from a {@link TestPki}; the real
 * registry verifies it against that CA through {@code auth.token.rootcertbundle}.
 *
 * <p>Knobs for the client's tests: the token's real lifetime versus the advertised
 * {@code expires_in} (to make the registry reject a token the client still trusts), whether
 * anonymous users may pull, and counters of what was asked for.
 */
public final class TokenServer implements AutoCloseable {
  public static final String SERVICE = "srs-test-registry";
  public static final String ISSUER = "srs-test-token-issuer";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestPki pki;
  private final TestPki.Issued signer;
  private final HttpServer server;
  private final Map<String, String> users = new ConcurrentHashMap<>();
  private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicInteger expiredToIssue = new AtomicInteger();
  private volatile boolean anonymousPull;
  private volatile Duration tokenLifetime = Duration.ofMinutes(5);
  private volatile long advertisedExpiresIn = 300;
  private volatile boolean chunkedAnswers;

  private TokenServer(TestPki pki, TestPki.Issued signer, HttpServer server) {
    this.pki = pki;
    this.signer = signer;
    this.server = server;
  }

  /** Starts a token server on a free loopback port, with a CA of its own under {@code dir}. */
  public static TokenServer start(Path dir) throws IOException {
    TestPki pki = TestPki.create(dir, "token");
    TestPki.Issued signer = pki.issueSigner("token-signer");
    HttpServer server = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "token-server");
      t.setDaemon(true);
      return t;
    }));
    TokenServer ts = new TokenServer(pki, signer, server);
    server.createContext("/token", ts::handle);
    server.start();
    return ts;
  }

  /** Adds a user who may pull and push everything. */
  public TokenServer user(String name, String password) {
    users.put(name, password);
    return this;
  }

  /** Adds an OAuth2 refresh token (an {@code identitytoken} in auth.json) for {@code user}. */
  public TokenServer refreshToken(String token, String user) {
    refreshTokens.put(token, user);
    return this;
  }

  /** Lets anonymous requests pull (default: anonymous tokens grant nothing). */
  public TokenServer anonymousPull(boolean allowed) {
    this.anonymousPull = allowed;
    return this;
  }

  /**
   * The JWT's real lifetime ({@code exp}) and the {@code expires_in} the response advertises.
   * (The registry allows some leeway past {@code exp}; use {@link #issueExpired} to make it
   * reject a token the client believes valid.)
   */
  public TokenServer lifetime(Duration real, long advertisedSeconds) {
    this.tokenLifetime = real;
    this.advertisedExpiresIn = advertisedSeconds;
    return this;
  }

  /**
   * Makes the next {@code n} tokens already expired (well past any leeway the registry allows)
   * while advertising a normal {@code expires_in}: the registry will answer 401 to them.
   */
  public TokenServer issueExpired(int n) {
    expiredToIssue.set(n);
    return this;
  }

  /**
   * Answers without {@code Content-Length} ({@code Transfer-Encoding: chunked}), as token
   * servers behind some proxies, or gzip-encoded answers once decoded, arrive.
   */
  public TokenServer chunkedAnswers(boolean chunked) {
    this.chunkedAnswers = chunked;
    return this;
  }

  /** {@code http://127.0.0.1:PORT/token}. */
  public URI realm() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
  }

  /** Number of tokens issued so far. */
  public int tokensIssued() {
    return issued.get();
  }

  /** Every request as {@code METHOD scope1 scope2 ... [user]}, in arrival order. */
  public List<String> requests() {
    return Collections.unmodifiableList(requests);
  }

  /** The {@code auth:} block that makes a {@link RegistryServer} trust this server's tokens. */
  public String registryConfig() {
    return "auth:\n  token:\n"
        + "    realm: " + realm() + "\n"
        + "    service: " + SERVICE + "\n"
        + "    issuer: " + ISSUER + "\n"
        + "    rootcertbundle: " + pki.caFile() + "\n";
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, List<String>> params = new LinkedHashMap<>();
      parseForm(ex.getRequestURI().getRawQuery(), params);
      if ("POST".equals(ex.getRequestMethod())) {
        parseForm(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), params);
      }
      String user = authenticate(ex, params);
      List<String> scopes = params.getOrDefault("scope", List.of());
      requests.add(ex.getRequestMethod() + " " + String.join(" ", scopes)
          + (user == null ? "" : " [" + user + "]"));
      if ("!".equals(user)) {
        reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
        return;
      }
      if (!SERVICE.equals(first(params, "service"))) {
        reply(ex, 400, "{\"error\":\"unknown service\"}");
        return;
      }
      String jwt = sign(user, scopes);
      issued.incrementAndGet();
      ObjectNode body = JSON.createObjectNode();
      boolean oauth = "POST".equals(ex.getRequestMethod());
      body.put(oauth ? "access_token" : "token", jwt);
      body.put("expires_in", advertisedExpiresIn);
      body.put("issued_at", Instant.now().toString());
      reply(ex, 200, JSON.writeValueAsString(body));
    } catch (RuntimeException e) {
      reply(ex, 500, "{\"error\":\"" + e.getClass().getSimpleName() + "\"}");
    }
  }

  /** The user, null if anonymous, or "!" if credentials were given and are wrong. */
  private String authenticate(HttpExchange ex, Map<String, List<String>> params) {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
      String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()),
          StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      String name = colon < 0 ? decoded : decoded.substring(0, colon);
      String pass = colon < 0 ? "" : decoded.substring(colon + 1);
      return pass.equals(users.get(name)) ? name : "!";
    }
    String grant = first(params, "grant_type");
    if ("refresh_token".equals(grant)) {
      String user = refreshTokens.get(String.valueOf(first(params, "refresh_token")));
      return user == null ? "!" : user;
    }
    if ("password".equals(grant)) {
      String name = first(params, "username");
      String pass = first(params, "password");
      return name != null && pass != null && pass.equals(users.get(name)) ? name : "!";
    }
    return null;
  }

  private String sign(String user, List<String> scopes) {
    try {
      ObjectNode header = JSON.createObjectNode();
      header.put("typ", "JWT");
      header.put("alg", "RS256");
      header.putArray("x5c").add(Base64.getEncoder().encodeToString(
          signer.certificate().getEncoded()));
      Instant now = Instant.now();
      ObjectNode claims = JSON.createObjectNode();
      claims.put("iss", ISSUER);
      claims.put("sub", user == null ? "" : user);
      claims.put("aud", SERVICE);
      boolean expired = expiredToIssue.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
      Instant exp = expired ? now.minus(Duration.ofHours(1)) : now.plus(tokenLifetime);
      claims.put("exp", exp.getEpochSecond());
      claims.put("nbf", (expired ? now.minus(Duration.ofHours(2)) : now.minusSeconds(5))
          .getEpochSecond());
      claims.put("iat", now.getEpochSecond());
      claims.put("jti", UUID.randomUUID().toString());
      ArrayNode access = claims.putArray("access");
      for (String scope : scopes) {
        for (String one : scope.split(" ")) {
          grant(access, one, user);
        }
      }
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String signingInput = b64.encodeToString(JSON.writeValueAsBytes(header)) + "."
          + b64.encodeToString(JSON.writeValueAsBytes(claims));
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initSign(signer.privateKey());
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a test token", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void grant(ArrayNode access, String scope, String user) {
    // type:name:actions, where the name may itself contain a port (host:5000/repo is not used
    // in scopes, but be lenient): split at the first and last colon.
    int first = scope.indexOf(':');
    int last = scope.lastIndexOf(':');
    if (first < 0 || last == first) {
      return;
    }
    List<String> actions = new ArrayList<>();
    for (String a : scope.substring(last + 1).split(",")) {
      if (user != null || (anonymousPull && a.equals("pull"))) {
        actions.add(a);
      }
    }
    ObjectNode entry = access.addObject();
    entry.put("type", scope.substring(0, first));
    entry.put("name", scope.substring(first + 1, last));
    ArrayNode arr = entry.putArray("actions");
    actions.forEach(arr::add);
  }

  private static void parseForm(String raw, Map<String, List<String>> into) {
    if (raw == null || raw.isEmpty()) {
      return;
    }
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
  }

  private static String first(Map<String, List<String>> params, String key) {
    List<String> v = params.get(key);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, chunkedAnswers ? 0 : b.length);
    ex.getResponseBody().write(b);
  }
}
