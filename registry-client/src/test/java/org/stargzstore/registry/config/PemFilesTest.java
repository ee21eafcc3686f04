package org.stargzstore.registry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stargzstore.registry.errors.RegistryConfigurationException;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;

/**
 * Private keys as OpenSSL (an independent producer) writes them on real nodes: each one must
 * load and sign something its own public key (also from OpenSSL) verifies.
 */
@IntegrationTest
class PemFilesTest {
  @TempDir
  Path dir;

  private void openssl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    ExternalTools.run(cmd, 60).requireSuccess();
  }

  @ParameterizedTest
  @CsvSource({
      // genrsa -traditional: PKCS#1 "RSA PRIVATE KEY"
      "rsa-pkcs1, genrsa -traditional -out KEY 2048, RSA PRIVATE KEY",
      // genpkey: PKCS#8 "PRIVATE KEY"
      "rsa-pkcs8, genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out KEY, BEGIN PRIVATE KEY",
      "ec-pkcs8, genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out KEY, BEGIN PRIVATE KEY",
      // ecparam -genkey: an "EC PARAMETERS" block, then SEC1 "EC PRIVATE KEY"
      "ec-sec1, ecparam -name prime256v1 -genkey -out KEY, EC PARAMETERS",
  })
  void readsWhatOpensslWrites(String name, String command, String marker) throws Exception {
    Path key = dir.resolve(name + ".key");
    openssl(command.replace("KEY", key.toString()).split(" "));
    assertTrue(Files.readString(key).contains(marker), Files.readString(key));
    Path pub = dir.resolve(name + ".pub");
    openssl("pkey", "-in", key.toString(), "-pubout", "-out", pub.toString());
    PrivateKey pk = PemFiles.privateKey(key);
    String alg = pk.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    Signature s = Signature.getInstance(alg);
    s.initSign(pk);
    s.update(new byte[] {1, 2, 3});
    byte[] sig = s.sign();
    Path sigFile = dir.resolve(name + ".sig");
    Path data = dir.resolve(name + ".data");
    Files.write(sigFile, sig);
    Files.write(data, new byte[] {1, 2, 3});
    openssl("dgst", "-sha256", "-verify", pub.toString(), "-signature", sigFile.toString(),
        data.toString());
  }

  @Test
  void certificatesFromAChainFile() throws Exception {
    Path k = dir.resolve("k.key");
    Path c = dir.resolve("c.crt");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", k.toString(), "-out", c.toString(), "-subj", "/CN=one", "-days", "1");
    Path c2 = dir.resolve("c2.crt");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", dir.resolve("k2.key").toString(), "-out", c2.toString(), "-subj", "/CN=two",
        "-days", "1");
    Path chain = dir.resolve("chain.crt");
    Files.writeString(chain, Files.readString(c) + Files.readString(c2));
    assertEquals(2, PemFiles.certificates(chain).size());
  }

  @Test
  void garbageIsAClearError() throws Exception {
    Path f = dir.resolve("bad.key");
    Files.writeString(f, "hello\n");
    RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
        () -> PemFiles.privateKey(f));
    assertTrue(e.getMessage().contains("bad.key") && e.getMessage().contains("no PEM private key"),
        e.getMessage());
    Path c = dir.resolve("bad.crt");
    Files.writeString(c, "");
    e = assertThrows(RegistryConfigurationException.class, () -> PemFiles.certificates(c));
    assertTrue(e.getMessage().contains("bad.crt"), e.getMessage());
  }
}
