package org.stargzstore.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.registry.errors.RegistryConfigurationException;
import org.stargzstore.testkit.IntegrationTest;

/**
 * Credential lookup as containers/image's {@code pkg/docker/config} does it, against real files
 * and a real credential-helper executable: the key order from repository to registry, URL keys,
 * the legacy format, {@code credHelpers} and {@code credsStore}, identity tokens, the helper
 * protocol, and the order of sources. No secret appears in any message.
 */
@IntegrationTest
class CredentialSourcesTest {
  @TempDir
  Path dir;
  private CredentialHelperRunner runner;

  @BeforeEach
  void helper() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    // A real docker-credential-* helper: answers per registry, "not found" otherwise, and
    // records each query so the test sees what it was asked.
    helperScript(bin.resolve("docker-credential-testhelper"), """
        read server
        echo "$server" >> "$(dirname "$0")/queries"
        case "$server" in
          helped.io) echo '{"ServerURL":"helped.io","Username":"helper-user","Secret":"helper-secret"}' ;;
          token.io) echo '{"ServerURL":"token.io","Username":"<token>","Secret":"refresh-123"}' ;;
          broken.io) echo 'boom' >&2; exit 3 ;;
          *) echo 'credentials not found in native keychain'; exit 1 ;;
        esac
        """);
    runner = new CredentialHelperRunner(List.of(bin), Duration.ofSeconds(10));
  }

  private static void helperScript(Path p, String body) throws IOException {
    Files.writeString(p, "#!/bin/sh\n" + body, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String auth(String user, String pass) {
    return Base64.getEncoder().encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8));
  }

  private Path file(String name, String json) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, json, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void repositoryKeysWinOverNamespaceOverRegistry() throws Exception {
    AuthFile f = new AuthFile(file("auth.json", "{\"auths\":{"
        + "\"quay.io\":{\"auth\":\"" + auth("reg", "p1") + "\"},"
        + "\"quay.io/team\":{\"auth\":\"" + auth("ns", "p2") + "\"},"
        + "\"quay.io/team/app\":{\"auth\":\"" + auth("repo", "p3") + "\"}}}"), false, runner);
    assertEquals("repo", f.lookup("quay.io/team/app").orElseThrow().username());
    assertEquals("ns", f.lookup("quay.io/team/other").orElseThrow().username());
    assertEquals("reg", f.lookup("quay.io/elsewhere/x").orElseThrow().username());
    assertEquals(Optional.empty(), f.lookup("docker.io/library/busybox"));
  }

  @Test
  void urlKeysAndDockerHubAliasesAreNormalised() throws Exception {
    AuthFile f = new AuthFile(file("config.json", "{\"auths\":{"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + auth("hub", "h") + "\"},"
        + "\"http://old.local:5000/v2/\":{\"auth\":\"" + auth("old", "o") + "\"}}}"),
        false, runner);
    assertEquals("hub", f.lookup("docker.io/library/busybox").orElseThrow().username());
    assertEquals("old", f.lookup("old.local:5000/app").orElseThrow().username());
    Credential c = f.lookup("docker.io/library/busybox").orElseThrow();
    assertEquals("h", c.password());
    assertFalse(c.toString().contains("h]"), c.toString());
    assertTrue(c.toString().contains("***"));
  }

  @Test
  void legacyDockercfg() throws Exception {
    AuthFile f = new AuthFile(file(".dockercfg", "{\"https://legacy.io/v1/\":{\"auth\":\""
        + auth("leg", "l") + "\",\"email\":\"x@y\"}}"), true, runner);
    assertEquals("leg", f.lookup("legacy.io/app").orElseThrow().username());
  }

  @Test
  void credHelpersEntryRunsTheHelperForThatRegistryOnly() throws Exception {
    AuthFile f = new AuthFile(file("auth.json", "{\"auths\":{\"helped.io\":{\"auth\":\""
        + auth("file-user", "f") + "\"}},\"credHelpers\":{\"helped.io\":\"testhelper\","
        + "\"token.io\":\"testhelper\",\"unknown.io\":\"testhelper\"}}"), false, runner);
    Credential c = f.lookup("helped.io/ns/app").orElseThrow();
    assertEquals("helper-user", c.username());
    assertEquals("helper-secret", c.password());
    Credential t = f.lookup("token.io/app").orElseThrow();
    assertTrue(t.hasIdentityToken());
    assertEquals("refresh-123", t.identityToken());
    assertEquals(Optional.empty(), f.lookup("unknown.io/app"), "\"not found\" is no credentials");
    // the helper is asked for the registry host, never the repository
    assertEquals(List.of("helped.io", "token.io", "unknown.io"),
        Files.readAllLines(dir.resolve("bin/queries")));
  }

  @Test
  void credsStoreIsAskedWhenNoAuthsEntryMatches() throws Exception {
    AuthFile f = new AuthFile(file("config.json", "{\"auths\":{\"helped.io\":{},"
        + "\"direct.io\":{\"auth\":\"" + auth("d", "dp") + "\"}},\"credsStore\":\"testhelper\"}"),
        false, runner);
    assertEquals("helper-user", f.lookup("helped.io/app").orElseThrow().username());
    assertEquals("d", f.lookup("direct.io/app").orElseThrow().username());
  }

  @Test
  void failingHelperIsAnErrorWithoutItsOutput() throws Exception {
    AuthFile f = new AuthFile(file("auth.json",
        "{\"credHelpers\":{\"broken.io\":\"testhelper\",\"gone.io\":\"nosuchhelper\"}}"),
        false, runner);
    RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
        () -> f.lookup("broken.io/app"));
    assertTrue(e.getMessage().contains("docker-credential-testhelper"), e.getMessage());
    assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
    assertFalse(e.getMessage().contains("boom"), e.getMessage());
    e = assertThrows(RegistryConfigurationException.class, () -> f.lookup("gone.io/app"));
    assertTrue(e.getMessage().contains("docker-credential-nosuchhelper not found"),
        e.getMessage());
  }

  @Test
  void malformedFileIsNamedButNotQuoted() throws Exception {
    AuthFile f = new AuthFile(file("auth.json", "{\"auths\": {\"a.io\": {\"auth\": \"c2VjcmV0\""),
        false, runner);
    RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
        () -> f.lookup("a.io/x"));
    assertTrue(e.getMessage().contains("auth.json"), e.getMessage());
    assertFalse(e.getMessage().contains("c2VjcmV0"), e.getMessage());
  }

  @Test
  void missingFileHasNoCredentials() throws Exception {
    assertEquals(Optional.empty(),
        new AuthFile(dir.resolve("none.json"), false, runner).lookup("a.io/x"));
  }

  @Test
  void resolverAsksSourcesInOrderAndRuntimeCredentialsFirst() throws Exception {
    InMemoryCredentials runtime = new InMemoryCredentials();
    AuthFiles files = new AuthFiles(List.of(
        new AuthFile(file("first.json", "{\"auths\":{\"a.io\":{\"auth\":\"" + auth("first", "1")
            + "\"}}}"), false, runner),
        new AuthFile(file("second.json", "{\"auths\":{\"a.io\":{\"auth\":\"" + auth("second", "2")
            + "\"},\"b.io\":{\"auth\":\"" + auth("second-b", "2") + "\"}}}"), false, runner)));
    CredentialResolver r = new CredentialResolver(
        List.of(runtime, files, new CredentialHelper("testhelper", runner)), Duration.ZERO,
        Clock.systemUTC());
    assertEquals("first", r.resolve("a.io/app").orElseThrow().username());
    assertEquals("second-b", r.resolve("b.io/app").orElseThrow().username());
    assertEquals("helper-user", r.resolve("helped.io/app").orElseThrow().username());
    assertEquals(Optional.empty(), r.resolve("nobody.io/app"));
    runtime.put("a.io/app", Credential.basic("runtime", "r"));
    assertEquals("runtime", r.resolve("a.io/app").orElseThrow().username());
    assertEquals("first", r.resolve("a.io/other").orElseThrow().username());
  }

  @Test
  void brokenSourceIsReportedOnlyIfNobodyHasCredentials() throws Exception {
    CredentialResolver r = new CredentialResolver(List.of(
        new CredentialHelper("nosuchhelper", runner),
        new CredentialHelper("testhelper", runner)), Duration.ZERO, Clock.systemUTC());
    assertEquals("helper-user", r.resolve("helped.io/app").orElseThrow().username());
    RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
        () -> r.resolve("nobody.io/app"));
    assertTrue(e.getMessage().contains("nosuchhelper"), e.getMessage());
  }

  @Test
  void resolverCachesUntilInvalidated() throws Exception {
    Path f = file("auth.json", "{\"auths\":{\"a.io\":{\"auth\":\"" + auth("old", "o") + "\"}}}");
    CredentialResolver r = new CredentialResolver(List.of(new AuthFile(f, false, runner)),
        Duration.ofHours(1), Clock.systemUTC());
    assertEquals("old", r.resolve("a.io/x").orElseThrow().username());
    Files.writeString(f, "{\"auths\":{\"a.io\":{\"auth\":\"" + auth("new", "n") + "\"}}}");
    assertEquals("old", r.resolve("a.io/x").orElseThrow().username());
    r.invalidate();
    assertEquals("new", r.resolve("a.io/x").orElseThrow().username());
  }
}
