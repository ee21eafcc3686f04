package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stargzstore.registry.errors.RegistryConfigurationException;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.testkit.TestPki;

/**
 * TLS against the real registry serving a certificate from a test CA (made with Bouncy
 * Castle): verified by default with the CA found through certs.d, refused without it, skipped
 * only for a registry registries.conf marks insecure; and mutual TLS with client keys in every
 * PEM form (PKCS#1, PKCS#8, SEC1 EC).
 */
@IntegrationTest
class TlsTest {
  private static Path pkiDir;
  private static TestPki pki;
  private static RegistryServer tls;
  private static RegistryServer mtls;
  private static final byte[] LAYER = TestImages.random(100_000, 41);

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    pkiDir = Files.createTempDirectory("srs-pki-");
    pki = TestPki.create(pkiDir, "registry");
    TestPki.Issued server = pki.issueServer("server");
    tls = RegistryServer.builder().tls(server.certFile(), server.keyFile()).build();
    tls.start();
    mtls = RegistryServer.builder().tls(server.certFile(), server.keyFile())
        .clientCa(pki.caFile()).build();
    mtls.start();
    // push through each with a fully configured client
    for (RegistryServer r : List.of(tls, mtls)) {
      Path d = pkiDir.resolve("push-" + r.port());
      Path host = Files.createDirectories(d.resolve("certs.d").resolve(r.hostPort()));
      Files.copy(pki.caFile(), host.resolve("ca.crt"));
      TestPki.Issued client = pki.issueClient("pusher-" + r.port(), TestPki.KeyForm.EC_PKCS8);
      Files.copy(client.certFile(), host.resolve("client.cert"));
      Files.copy(client.keyFile(), host.resolve("client.key"));
      try (RegistryClient c = RegistryClient.create(TestSetup.config(d, null).build())) {
        TestImages.push(c, ref(r), LAYER);
      }
    }
  }

  @AfterAll
  static void stop() {
    tls.stop();
    mtls.stop();
    TempDirs.deleteRecursively(pkiDir);
  }

  private static ImageReference ref(RegistryServer r) {
    return ImageReference.parse(r.hostPort() + "/tls/app:1");
  }

  private RegistryClient client(Path registriesConf) throws Exception {
    return RegistryClient.create(TestSetup.config(dir, registriesConf).build());
  }

  private Path hostDir(RegistryServer r) throws Exception {
    return Files.createDirectories(dir.resolve("certs.d").resolve(r.hostPort()));
  }

  private static void read(RegistryClient c, RegistryServer r) throws Exception {
    ResolvedImage img = c.resolve(ref(r));
    assertArrayEquals(Arrays.copyOfRange(LAYER, 10, 20),
        c.blob(img, img.layers().get(0)).read(10, 10));
  }

  @Test
  void caFromCertsDirIsTrusted() throws Exception {
    Files.copy(pki.caFile(), hostDir(tls).resolve("test-ca.crt"));
    try (RegistryClient c = client(null)) {
      read(c, tls);
    }
  }

  @Test
  void unknownCaIsRefusedWithATlsError() throws Exception {
    try (RegistryClient c = client(null)) {
      RegistryNetworkException e = assertThrows(RegistryNetworkException.class,
          () -> c.resolve(ref(tls)));
      assertEquals(RegistryErrorKind.NETWORK, e.kind());
      assertTrue(e.getMessage().contains(tls.hostPort()), e.getMessage());
      assertTrue(e.getMessage().contains("TLS"), e.getMessage());
      assertEquals(0, c.stats().snapshot().retries(), "a certificate failure is not retried");
    }
  }

  @Test
  void insecureRegistrySkipsVerification() throws Exception {
    try (RegistryClient c = client(TestSetup.insecureRegistriesConf(dir, tls.hostPort()))) {
      read(c, tls);
    }
  }

  @ParameterizedTest
  @EnumSource(TestPki.KeyForm.class)
  void mutualTlsWithEveryKeyForm(TestPki.KeyForm form) throws Exception {
    Path host = hostDir(mtls);
    Files.copy(pki.caFile(), host.resolve("ca.crt"));
    TestPki.Issued client = pki.issueClient("client-" + form, form);
    Files.copy(client.certFile(), host.resolve("client.cert"));
    Files.copy(client.keyFile(), host.resolve("client.key"));
    String pem = Files.readString(host.resolve("client.key"));
    String expectedHeader = switch (form) {
      case RSA_PKCS1 -> "BEGIN RSA PRIVATE KEY";
      case EC_SEC1 -> "BEGIN EC PRIVATE KEY";
      default -> "BEGIN PRIVATE KEY";
    };
    assertTrue(pem.contains(expectedHeader), pem);
    // the key file is one OpenSSL itself reads, i.e. the form found on real nodes
    ExternalTools.run(List.of("openssl", "pkey", "-in", host.resolve("client.key").toString(),
        "-noout"), 30).requireSuccess();
    try (RegistryClient c = client(null)) {
      read(c, mtls);
    }
  }

  @Test
  void mutualTlsWithoutAClientCertificateFails() throws Exception {
    Files.copy(pki.caFile(), hostDir(mtls).resolve("ca.crt"));
    try (RegistryClient c = client(null)) {
      RegistryNetworkException e = assertThrows(RegistryNetworkException.class,
          () -> c.resolve(ref(mtls)));
      assertTrue(e.getMessage().contains(mtls.hostPort()), e.getMessage());
    }
  }

  @Test
  void clientCertificateWithoutItsKeyIsAConfigurationError() throws Exception {
    Path host = hostDir(mtls);
    TestPki.Issued client = pki.issueClient("lonely", TestPki.KeyForm.EC_SEC1);
    Files.copy(client.certFile(), host.resolve("client.cert"));
    try (RegistryClient c = client(null)) {
      RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
          () -> c.resolve(ref(mtls)));
      assertTrue(e.getMessage().contains("client.key"), e.getMessage());
      assertTrue(e.getMessage().contains(".crt"), e.getMessage());
    }
  }

  @Test
  void keyOfAnotherCertificateIsAConfigurationError() throws Exception {
    Path host = hostDir(mtls);
    TestPki.Issued a = pki.issueClient("a", TestPki.KeyForm.RSA_PKCS8);
    TestPki.Issued b = pki.issueClient("b", TestPki.KeyForm.RSA_PKCS8);
    Files.copy(a.certFile(), host.resolve("client.cert"));
    Files.copy(b.keyFile(), host.resolve("client.key"));
    try (RegistryClient c = client(null)) {
      RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
          () -> c.resolve(ref(mtls)));
      assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }
  }

  @Test
  void encryptedKeyIsRefusedClearly() throws Exception {
    Path host = hostDir(mtls);
    TestPki.Issued a = pki.issueClient("enc", TestPki.KeyForm.RSA_PKCS1);
    Files.copy(a.certFile(), host.resolve("client.cert"));
    Files.writeString(host.resolve("client.key"), """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIAAAAAAAAAAACAggA
        MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAEqBBAAAAAAAAAAAAAAAAAAAAAABIIB
        YAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        -----END ENCRYPTED PRIVATE KEY-----
        """);
    try (RegistryClient c = client(null)) {
      RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
          () -> c.resolve(ref(mtls)));
      assertTrue(e.getMessage().contains("client.key"), e.getMessage());
    }
  }
}
