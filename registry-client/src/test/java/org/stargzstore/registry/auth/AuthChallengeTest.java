package org.stargzstore.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** WWW-Authenticate parsing, with the header forms registries send. */
class AuthChallengeTest {
  @Test
  void bearerWithQuotedParameters() {
    List<AuthChallenge> c = AuthChallenge.parse(List.of(
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
            + "scope=\"repository:library/busybox:pull\""));
    assertEquals(1, c.size());
    assertTrue(c.get(0).isBearer());
    assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
        "scope", "repository:library/busybox:pull"), c.get(0).params());
  }

  @Test
  void insufficientScopeWithSeveralScopesAndEscapes() {
    AuthChallenge c = AuthChallenge.parse(List.of(
        "Bearer realm=\"http://127.0.0.1:1/token\", service=\"s\", "
            + "scope=\"repository:a:pull repository:b:pull,push\", error=\"insufficient_scope\","
            + " error_description=\"say \\\"please\\\"\"")).get(0);
    assertEquals("insufficient_scope", c.param("error").orElseThrow());
    assertEquals("repository:a:pull repository:b:pull,push", c.param("scope").orElseThrow());
    assertEquals("say \"please\"", c.param("error_description").orElseThrow());
  }

  @Test
  void basicAndSeveralChallengesInOneHeader() {
    List<AuthChallenge> c = AuthChallenge.parse(List.of(
        "Basic realm=\"Registry Realm\", Bearer realm=\"https://x/token\",service=s"));
    assertEquals(2, c.size());
    assertTrue(c.get(0).isBasic());
    assertEquals("Registry Realm", c.get(0).param("realm").orElseThrow());
    assertTrue(c.get(1).isBearer());
    assertEquals("s", c.get(1).param("service").orElseThrow());
  }

  @Test
  void schemeAndNamesAreCaseInsensitive() {
    AuthChallenge c = AuthChallenge.parse(List.of("BEARER Realm=\"r\"")).get(0);
    assertTrue(c.isBearer());
    assertEquals("r", c.param("realm").orElseThrow());
  }

  @Test
  void garbageYieldsNothingUseful() {
    assertTrue(AuthChallenge.parse(List.of("", "   ", ",,,")).isEmpty());
  }
}
