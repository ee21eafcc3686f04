package org.stargzstore.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import okhttp3.Headers;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** WWW-Authenticate parsing (OkHttp's), with the header forms registries send. */
class AuthChallengeTest {
  /** The challenges of a 401 answer carrying {@code values} as WWW-Authenticate headers. */
  static List<AuthChallenge> parse(List<String> values) {
    Headers.Builder headers = new Headers.Builder();
    for (String v : values) {
      headers.addUnsafeNonAscii("WWW-Authenticate", v);
    }
    return AuthChallenge.of(new Response.Builder()
        .request(new Request.Builder().url("http://registry.invalid/v2/").build())
        .protocol(Protocol.HTTP_1_1).code(401).message("Unauthorized")
        .headers(headers.build()).build());
  }

  @Test
  void bearerWithQuotedParameters() {
    List<AuthChallenge> c = parse(List.of(
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
            + "scope=\"repository:library/busybox:pull\""));
    assertEquals(1, c.size());
    assertTrue(c.get(0).isBearer());
    assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
        "scope", "repository:library/busybox:pull"), c.get(0).params());
  }

  @Test
  void insufficientScopeWithSeveralScopesAndEscapes() {
    AuthChallenge c = parse(List.of(
        "Bearer realm=\"http://127.0.0.1:1/token\", service=\"s\", "
            + "scope=\"repository:a:pull repository:b:pull,push\", error=\"insufficient_scope\","
            + " error_description=\"say \\\"please\\\"\"")).get(0);
    assertEquals("insufficient_scope", c.param("error").orElseThrow());
    assertEquals("repository:a:pull repository:b:pull,push", c.param("scope").orElseThrow());
    assertEquals("say \"please\"", c.param("error_description").orElseThrow());
  }

  @Test
  void basicAndSeveralChallengesInOneHeader() {
    List<AuthChallenge> c = parse(List.of(
        "Basic realm=\"Registry Realm\", Bearer realm=\"https://x/token\",service=s"));
    assertEquals(2, c.size());
    assertTrue(c.get(0).isBasic());
    assertEquals("Registry Realm", c.get(0).param("realm").orElseThrow());
    assertTrue(c.get(1).isBearer());
    assertEquals("s", c.get(1).param("service").orElseThrow());
  }

  @Test
  void schemeAndNamesAreCaseInsensitive() {
    AuthChallenge c = parse(List.of("BEARER Realm=\"r\"")).get(0);
    assertTrue(c.isBearer());
    assertEquals("r", c.param("realm").orElseThrow());
  }

  @Test
  void garbageYieldsNothingUseful() {
    assertTrue(parse(List.of("", "   ", ",,,")).isEmpty());
  }
}
