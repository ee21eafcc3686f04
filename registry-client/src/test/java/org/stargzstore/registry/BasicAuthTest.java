package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.registry.auth.Credential;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryUnauthorizedException;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;

/**
 * The real registry with htpasswd (Basic) authentication: credentials from an auth file, a
 * credential helper named in the auth file, a global credential helper from registries.conf, and
 * runtime registrations; clear errors without credentials or with wrong ones; and no secret in
 * any log line or message.
 */
@IntegrationTest
class BasicAuthTest {
  private static final String USER = "alice";
  private static final String PASSWORD = "s3cret-Pa55w0rd";

  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().htpasswd(USER, PASSWORD)
      .htpasswd("bob", "bobs-password").build();

  @TempDir
  Path dir;

  private static final byte[] LAYER = TestImages.random(200_000, 21);

  private static ImageReference ref() {
    return ImageReference.parse(REGISTRY.hostPort() + "/basic/app:1");
  }

  @BeforeAll
  static void pushImage(@TempDir Path setup) throws Exception {
    try (RegistryClient c = TestSetup.insecureClient(setup, REGISTRY.hostPort())) {
      c.runtimeCredentials().put(REGISTRY.hostPort(), Credential.basic(USER, PASSWORD));
      TestImages.push(c, ref(), LAYER);
    }
  }

  private static String authEntry(String user, String pass) {
    return Base64.getEncoder().encodeToString((user + ":" + pass)
        .getBytes(StandardCharsets.UTF_8));
  }

  private RegistryClient client() throws Exception {
    return TestSetup.insecureClient(dir, REGISTRY.hostPort());
  }

  private static void readLayer(RegistryClient c) throws Exception {
    ResolvedImage img = c.resolve(ref());
    assertArrayEquals(Arrays.copyOfRange(LAYER, 100, 200),
        c.blob(img, img.layers().get(0)).read(100, 100));
  }

  @Test
  void credentialsFromTheAuthFile() throws Exception {
    Files.writeString(dir.resolve("auth.json"), "{\"auths\":{\"" + REGISTRY.hostPort()
        + "\":{\"auth\":\"" + authEntry(USER, PASSWORD) + "\"}}}");
    try (RegistryClient c = client()) {
      readLayer(c);
    }
  }

  @Test
  void withoutCredentialsTheErrorSaysWhereItLooked() throws Exception {
    try (RegistryClient c = client()) {
      RegistryUnauthorizedException e = assertThrows(RegistryUnauthorizedException.class,
          () -> c.resolve(ref()));
      assertEquals(RegistryErrorKind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().contains("pulling manifest " + ref()), e.getMessage());
      assertTrue(e.getMessage().contains("no credentials found for " + REGISTRY.hostPort()
          + "/basic/app"), e.getMessage());
      assertTrue(e.getMessage().contains(dir.resolve("auth.json").toString()), e.getMessage());
    }
  }

  @Test
  void wrongPasswordIsUnauthorizedNamingTheUserNotThePassword() throws Exception {
    Files.writeString(dir.resolve("auth.json"), "{\"auths\":{\"" + REGISTRY.hostPort()
        + "\":{\"auth\":\"" + authEntry(USER, "wrong-password-123") + "\"}}}");
    try (RegistryClient c = client(); LogCapture logs = new LogCapture()) {
      RegistryUnauthorizedException e = assertThrows(RegistryUnauthorizedException.class,
          () -> c.resolve(ref()));
      assertTrue(e.getMessage().contains("rejected the credentials"), e.getMessage());
      assertTrue(e.getMessage().contains("user " + USER), e.getMessage());
      assertFalse(e.getMessage().contains("wrong-password-123"), e.getMessage());
      assertNoSecret(logs, "wrong-password-123", authEntry(USER, "wrong-password-123"));
    }
  }

  @Test
  void credentialHelperNamedInTheAuthFile() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    helper(bin.resolve("docker-credential-fromfile"), USER, PASSWORD);
    Files.writeString(dir.resolve("auth.json"), "{\"credHelpers\":{\"" + REGISTRY.hostPort()
        + "\":\"fromfile\"}}");
    try (RegistryClient c = client()) {
      readLayer(c);
    }
  }

  @Test
  void globalCredentialHelperFromRegistriesConf() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    helper(bin.resolve("docker-credential-global"), USER, PASSWORD);
    Path conf = TestSetup.insecureRegistriesConf(dir, REGISTRY.hostPort());
    Files.writeString(conf, "credential-helpers = [\"global\", \"containers-auth.json\"]\n"
        + Files.readString(conf));
    try (RegistryClient c = RegistryClient.create(TestSetup.config(dir, conf).build())) {
      readLayer(c);
    }
  }

  @Test
  void runtimeCredentialsComeFirst() throws Exception {
    Files.writeString(dir.resolve("auth.json"), "{\"auths\":{\"" + REGISTRY.hostPort()
        + "\":{\"auth\":\"" + authEntry(USER, "stale") + "\"}}}");
    try (RegistryClient c = client()) {
      c.runtimeCredentials().put(REGISTRY.hostPort() + "/basic", Credential.basic("bob",
          "bobs-password"));
      readLayer(c);
    }
  }

  @Test
  void noSecretInAnyLogLineOfASuccessfulPullAndPush() throws Exception {
    Files.writeString(dir.resolve("auth.json"), "{\"auths\":{\"" + REGISTRY.hostPort()
        + "\":{\"auth\":\"" + authEntry(USER, PASSWORD) + "\"}}}");
    try (RegistryClient c = client(); LogCapture logs = new LogCapture()) {
      readLayer(c);
      TestImages.push(c, ImageReference.parse(REGISTRY.hostPort() + "/basic/pushed:1"),
          TestImages.random(1000, 22));
      assertTrue(logs.size() > 5, "the wire log is on at FINE: " + logs.size() + " lines");
      assertTrue(logs.text().contains("/v2/basic/app/manifests/1 -> 200"), logs.text());
      assertNoSecret(logs, PASSWORD, authEntry(USER, PASSWORD));
    }
  }

  static void assertNoSecret(LogCapture logs, String... secrets) {
    String text = logs.text();
    for (String s : secrets) {
      assertFalse(text.contains(s), "a secret reached the log:\n" + text);
    }
  }

  private static void helper(Path p, String user, String secret) throws Exception {
    Files.writeString(p, "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'$server'\","
        + "\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}'\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
