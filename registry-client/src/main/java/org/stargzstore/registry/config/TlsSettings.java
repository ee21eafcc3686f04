package org.stargzstore.registry.config;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * The TLS set-up for one registry host, built from its certs.d directory as containers/image
 * does: {@code *.crt} files are CA certificates trusted in addition to the system's,
 * {@code NAME.cert} + {@code NAME.key} pairs are client certificates. An insecure registry
 * (registries.conf) skips verification; everything else is verified.
 *
 * @param hostnameVerifier null for the default (verifying) one
 * @param source the certs.d directory used, if any
 */
public record TlsSettings(SSLSocketFactory socketFactory, X509TrustManager trustManager,
    HostnameVerifier hostnameVerifier, Optional<Path> source) {

  /** Builds the settings for {@code hostPort}. */
  public static TlsSettings forHost(CertsDirectories certs, String hostPort, boolean insecure)
      throws RegistryConfigurationException {
    Optional<Path> dir = certs.dirFor(hostPort);
    List<X509Certificate> cas = new ArrayList<>();
    List<KeyManager> keyManagers = new ArrayList<>();
    if (dir.isPresent()) {
      load(dir.get(), cas, keyManagers);
    }
    try {
      X509TrustManager system = systemTrust();
      X509TrustManager trust = insecure ? new TrustAll(system)
          : cas.isEmpty() ? system : new Combined(trustFor(cas), system);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keyManagers.isEmpty() ? null : keyManagers.toArray(KeyManager[]::new),
          new TrustManager[] {trust}, new SecureRandom());
      HostnameVerifier hv = insecure ? (h, s) -> true : null;
      return new TlsSettings(ctx.getSocketFactory(), trust, hv, dir);
    } catch (GeneralSecurityException e) {
      throw new RegistryConfigurationException("cannot set up TLS for " + hostPort
          + dir.map(d -> " from " + d).orElse("") + ": " + e.getMessage(), e);
    }
  }

  private static void load(Path dir, List<X509Certificate> cas, List<KeyManager> keyManagers)
      throws RegistryConfigurationException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(files::add);
    } catch (IOException e) {
      throw new RegistryConfigurationException("cannot list certs.d directory " + dir + ": "
          + e.getMessage(), e);
    }
    files.sort(null);
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (name.endsWith(".crt")) {
        cas.addAll(PemFiles.certificates(f));
      } else if (name.endsWith(".cert")) {
        Path key = f.resolveSibling(name.substring(0, name.length() - 5) + ".key");
        if (!Files.exists(key)) {
          throw new RegistryConfigurationException("missing key " + key + " for client"
              + " certificate " + f + " (CA certificates must end in .crt)");
        }
        keyManagers.add(clientKeyManager(f, key));
      } else if (name.endsWith(".key")) {
        Path cert = f.resolveSibling(name.substring(0, name.length() - 4) + ".cert");
        if (!Files.exists(cert)) {
          throw new RegistryConfigurationException("missing client certificate " + cert
              + " for key " + f);
        }
      }
    }
  }

  private static KeyManager clientKeyManager(Path certFile, Path keyFile)
      throws RegistryConfigurationException {
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    if (!matches(chain.get(0), key)) {
      throw new RegistryConfigurationException("private key " + keyFile
          + " does not belong to client certificate " + certFile);
    }
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] pass = new char[0];
      ks.setKeyEntry("client", key, pass, chain.toArray(X509Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(
          KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pass);
      return kmf.getKeyManagers()[0];
    } catch (GeneralSecurityException | IOException e) {
      throw new RegistryConfigurationException("cannot use client certificate " + certFile
          + " with key " + keyFile + ": " + e.getMessage(), e);
    }
  }

  private static boolean matches(X509Certificate cert, PrivateKey key) {
    try {
      String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      java.security.Signature s = java.security.Signature.getInstance(alg);
      s.initSign(key);
      byte[] probe = "stargz-registry-storage key check".getBytes(
          java.nio.charset.StandardCharsets.US_ASCII);
      s.update(probe);
      byte[] sig = s.sign();
      s.initVerify(cert.getPublicKey());
      s.update(probe);
      return s.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509TrustManager systemTrust() throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    return x509(tmf);
  }

  private static X509TrustManager trustFor(List<X509Certificate> cas)
      throws GeneralSecurityException {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (X509Certificate c : cas) {
        ks.setCertificateEntry("certs.d-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(
          TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return x509(tmf);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static X509TrustManager x509(TrustManagerFactory tmf) throws GeneralSecurityException {
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509TrustManager available");
  }

  /** Trusts a server if the certs.d CAs or the system CAs do. */
  private record Combined(X509TrustManager extra, X509TrustManager system)
      implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      system.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        extra.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        system.checkServerTrusted(chain, authType);
      }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      X509Certificate[] a = extra.getAcceptedIssuers();
      X509Certificate[] b = system.getAcceptedIssuers();
      X509Certificate[] out = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }
  }

  /** For registries marked insecure: accepts any server certificate. */
  private record TrustAll(X509TrustManager system) implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      // not a server
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // insecure = true in registries.conf: verification is skipped on purpose
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return system.getAcceptedIssuers();
    }
  }

}
