package org.stargzstore.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away certificate authority for tests, made with Bouncy Castle: it issues server
 * certificates for a TLS registry, client certificates for mutual TLS, and signing certificates
 * for a token server, and writes private keys in each PEM form a node may hold (PKCS#1 RSA,
 * PKCS#8, SEC1 EC), so the client's key loading is tested against every form.
 */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** The PEM forms a private key file can take. */
  public enum KeyForm {
    /** {@code -----BEGIN RSA PRIVATE KEY-----} (OpenSSL traditional RSA). */
    RSA_PKCS1,
    /** {@code -----BEGIN PRIVATE KEY-----} holding an RSA key. */
    RSA_PKCS8,
    /** {@code -----BEGIN EC PRIVATE KEY-----} (SEC1). */
    EC_SEC1,
    /** {@code -----BEGIN PRIVATE KEY-----} holding an EC key. */
    EC_PKCS8
  }

  /** A certificate and its key, with the PEM files written for them. */
  public record Issued(X509Certificate certificate, PrivateKey privateKey, Path certFile,
      Path keyFile) {}

  private final Path dir;
  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate caCert;
  private final Path caFile;

  private TestPki(Path dir, String name, KeyPair caKeys, X509Certificate caCert, Path caFile) {
    this.dir = dir;
    this.name = name;
    this.caKeys = caKeys;
    this.caCert = caCert;
    this.caFile = caFile;
  }

  /** Creates a CA named {@code name} and writes its certificate to {@code dir/NAME-ca.pem}. */
  public static TestPki create(Path dir, String name) throws IOException {
    try {
      Files.createDirectories(dir);
      KeyPair keys = generate(KeyForm.EC_PKCS8);
      X500Name subject = new X500Name("CN=" + name + " test CA,O=stargz-registry-storage tests");
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))),
          subject, keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          ext.createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate cert = sign(b, keys.getPrivate());
      Path caFile = dir.resolve(name + "-ca.pem");
      Files.writeString(caFile, pem(cert), StandardCharsets.US_ASCII);
      return new TestPki(dir, name, keys, cert, caFile);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot create test CA " + name, e);
    }
  }

  /** The CA certificate (PEM file). */
  public Path caFile() {
    return caFile;
  }

  /** A server certificate for loopback: SAN {@code DNS:localhost}, {@code IP:127.0.0.1}. */
  public Issued issueServer(String fileName) throws IOException {
    return issue(fileName, "localhost", KeyForm.EC_PKCS8, KeyPurposeId.id_kp_serverAuth,
        List.of("localhost"), List.of("127.0.0.1"));
  }

  /** A client certificate for mutual TLS, its key written in {@code form}. */
  public Issued issueClient(String fileName, KeyForm form) throws IOException {
    return issue(fileName, "client " + fileName, form, KeyPurposeId.id_kp_clientAuth, List.of(),
        List.of());
  }

  /** A certificate for signing tokens (RSA, so RS256). */
  public Issued issueSigner(String fileName) throws IOException {
    return issue(fileName, "token signer", KeyForm.RSA_PKCS8, null, List.of(), List.of());
  }

  private Issued issue(String fileName, String cn, KeyForm form, KeyPurposeId purpose,
      List<String> dns, List<String> ips) throws IOException {
    try {
      KeyPair keys = generate(form);
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
          new X500Name("CN=" + cn + ",O=stargz-registry-storage tests"), keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      if (purpose != null) {
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      }
      b.addExtension(Extension.authorityKeyIdentifier, false,
          ext.createAuthorityKeyIdentifier(caCert));
      List<GeneralName> names = new ArrayList<>();
      for (String d : dns) {
        names.add(new GeneralName(GeneralName.dNSName, d));
      }
      for (String ip : ips) {
        names.add(new GeneralName(GeneralName.iPAddress,
            InetAddress.getByName(ip).getHostAddress()));
      }
      if (!names.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      X509Certificate cert = sign(b, caKeys.getPrivate());
      Path certFile = dir.resolve(fileName + ".cert");
      Path keyFile = dir.resolve(fileName + ".key");
      Files.writeString(certFile, pem(cert), StandardCharsets.US_ASCII);
      Files.writeString(keyFile, keyPem(keys, form), StandardCharsets.US_ASCII);
      return new Issued(cert, keys.getPrivate(), certFile, keyFile);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot issue test certificate " + fileName + " from " + name, e);
    }
  }

  private static KeyPair generate(KeyForm form) throws GeneralSecurityException {
    if (form == KeyForm.RSA_PKCS1 || form == KeyForm.RSA_PKCS8) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048, new SecureRandom());
      return g.generateKeyPair();
    }
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    ContentSigner signer = new JcaContentSignerBuilder(alg).build(key);
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  /** PEM text of a certificate. */
  public static String pem(X509Certificate cert) {
    return write(cert);
  }

  /** PEM text of a private key in the given form, as OpenSSL writes it. */
  public static String keyPem(KeyPair keys, KeyForm form) {
    try {
      return switch (form) {
        // Bouncy Castle writes a bare RSA private key in the traditional PKCS#1 form
        case RSA_PKCS1 -> write(keys.getPrivate());
        case EC_SEC1 -> write(new PemObject("EC PRIVATE KEY", sec1(keys)));
        case RSA_PKCS8, EC_PKCS8 -> write(new JcaPKCS8Generator(keys.getPrivate(), null)
            .generate());
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SEC1 ECPrivateKey with curve parameters and public key, as {@code openssl ec} writes it. */
  private static byte[] sec1(KeyPair keys) throws IOException {
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey inner =
        org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
    return new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
        spki.getPublicKeyData(), info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
  }

  private static String write(Object o) {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sw.toString();
  }
}
