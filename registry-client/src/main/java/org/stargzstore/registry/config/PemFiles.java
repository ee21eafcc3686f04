package org.stargzstore.registry.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * Reads PEM certificates and private keys from certs.d. Keys are read with Bouncy Castle, which
 * understands every form a node may hold: PKCS#1 ({@code RSA PRIVATE KEY}), PKCS#8
 * ({@code PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}, with or without a preceding
 * {@code EC PARAMETERS} block). Encrypted keys are refused with a clear message.
 */
public final class PemFiles {
  private PemFiles() {}

  /** Every certificate in a PEM file (at least one). */
  public static List<X509Certificate> certificates(Path file)
      throws RegistryConfigurationException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new RegistryConfigurationException(file + " holds no PEM certificate");
      }
      return out;
    } catch (RegistryConfigurationException e) {
      throw e;
    } catch (IOException | CertificateException e) {
      throw new RegistryConfigurationException("cannot read certificates from " + file + ": "
          + e.getMessage(), e);
    }
  }

  /** The private key in a PEM file. */
  public static PrivateKey privateKey(Path file) throws RegistryConfigurationException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(r)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PEMKeyPair kp) {
          // only the private part: SEC1 "EC PRIVATE KEY" may omit the public key
          return converter.getPrivateKey(kp.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new RegistryConfigurationException(file + " holds an encrypted private key;"
              + " certs.d keys must not be encrypted");
        }
        if (o instanceof ASN1ObjectIdentifier || o instanceof X9ECParameters) {
          continue; // "EC PARAMETERS" before an "EC PRIVATE KEY"
        }
      }
      throw new RegistryConfigurationException(file + " holds no PEM private key (expected"
          + " RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)");
    } catch (RegistryConfigurationException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryConfigurationException("cannot read private key " + file + ": "
          + e.getMessage(), e);
    }
  }
}
