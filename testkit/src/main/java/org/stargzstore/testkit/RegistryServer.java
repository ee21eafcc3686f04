package org.stargzstore.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real distribution registry ({@code docker-registry serve}, the Debian package) run as a child
 * process on a free loopback port for the tests of one class.
 *
 * <pre>
 * &#64;RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
 * </pre>
 *
 * <p>Variants share one way of starting, waiting for readiness and stopping: htpasswd Basic
 * auth, token auth against a {@link TokenServer}, TLS (and mutual TLS) with certificates from a
 * {@link TestPki}, a pull-through cache; any other YAML can be appended through the builder.
 */
public final class RegistryServer implements BeforeAllCallback, AfterAllCallback {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final List<String> extraConfig;
  private final String scheme;
  private final Map<String, String> htpasswdUsers;
  private final TokenServer tokenServer;
  private final Path tlsCert;
  private final Path tlsKey;
  private final Path clientCa;
  private final URI pullThroughRemote;
  private Path dir;
  private Process process;
  private int port;

  private RegistryServer(Builder b) {
    this.extraConfig = List.copyOf(b.extraConfig);
    this.scheme = b.tls || b.tlsCert != null ? "https" : "http";
    this.htpasswdUsers = new LinkedHashMap<>(b.htpasswdUsers);
    this.tokenServer = b.tokenServer;
    this.tlsCert = b.tlsCert;
    this.tlsKey = b.tlsKey;
    this.clientCa = b.clientCa;
    this.pullThroughRemote = b.pullThroughRemote;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code 127.0.0.1:PORT}, the registry host as an image reference spells it. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT} (or https). */
  public URI baseUri() {
    return URI.create(scheme + "://" + hostPort());
  }

  /** The registry's storage directory (to corrupt blobs on purpose, or count them). */
  public Path storageDir() {
    return dir.resolve("storage");
  }

  /** The registry's log file (access log included). */
  public Path logFile() {
    return dir.resolve("registry.log");
  }

  private Path htpasswdFile() {
    return dir.resolve("htpasswd");
  }

  /** The working directory of this server (configuration, storage, log). */
  public Path workDir() {
    return dir;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  /** Starts the registry and waits until {@code /v2/} answers. */
  public synchronized void start() throws IOException, InterruptedException {
    if (process != null) {
      return;
    }
    dir = Files.createTempDirectory("srs-registry-");
    Files.createDirectories(storageDir());
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      port = freePort();
      if (!htpasswdUsers.isEmpty()) {
        Files.writeString(htpasswdFile(), Htpasswd.lines(htpasswdUsers), StandardCharsets.UTF_8);
      }
      Path config = dir.resolve("config.yml");
      Files.writeString(config, config(), StandardCharsets.UTF_8);
      process = new ProcessBuilder(executable(), "serve", config.toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
          .start();
      try {
        awaitReady();
        return;
      } catch (IOException e) {
        last = e;
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        process = null;
      }
    }
    throw new IOException("docker-registry did not start; log: " + logFile(), last);
  }

  /** Stops the registry and deletes its storage. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
    if (dir != null && !Boolean.getBoolean("srs.keepRegistry")) {
      TempDirs.deleteRecursively(dir);
    }
  }

  private String config() {
    StringBuilder sb = new StringBuilder();
    sb.append("version: 0.1\n")
        .append("log:\n  level: info\n  formatter: text\n")
        .append("storage:\n")
        .append("  filesystem:\n    rootdirectory: ").append(storageDir()).append('\n')
        .append("  delete:\n    enabled: true\n")
        .append("  maintenance:\n    uploadpurging:\n      enabled: false\n")
        .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
        .append("  secret: srs-test-secret\n");
    if (tlsCert != null) {
      sb.append("  tls:\n")
          .append("    certificate: ").append(tlsCert).append('\n')
          .append("    key: ").append(tlsKey).append('\n');
      if (clientCa != null) {
        sb.append("    clientcas:\n      - ").append(clientCa).append('\n');
      }
    }
    if (!htpasswdUsers.isEmpty()) {
      sb.append("auth:\n  htpasswd:\n    realm: srs-test-realm\n    path: ")
          .append(htpasswdFile()).append('\n');
    }
    if (tokenServer != null) {
      sb.append(tokenServer.registryConfig());
    }
    if (pullThroughRemote != null) {
      sb.append("proxy:\n  remoteurl: ").append(pullThroughRemote).append('\n');
    }
    for (String s : extraConfig) {
      sb.append(s.replace("${dir}", dir.toString()).replace("${port}", Integer.toString(port)));
      if (!s.endsWith("\n")) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private void awaitReady() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited with " + process.exitValue() + ": "
            + tail(logFile()));
      }
      try (ServerSocketProbe probe = new ServerSocketProbe(port)) {
        if (probe.open()) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new IOException("docker-registry did not listen on " + hostPort() + " within "
        + START_TIMEOUT.toSeconds() + " s");
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static String executable() {
    return System.getProperty("srs.registryBinary", "docker-registry");
  }

  /** A free TCP port on 127.0.0.1 (racy by nature: callers retry on bind failure). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds a {@link RegistryServer}. */
  public static final class Builder {
    private final List<String> extraConfig = new ArrayList<>();
    private final Map<String, String> htpasswdUsers = new LinkedHashMap<>();
    private boolean tls;
    private TokenServer tokenServer;
    private Path tlsCert;
    private Path tlsKey;
    private Path clientCa;
    private URI pullThroughRemote;

    private Builder() {}

    /**
     * Appends top-level YAML to the registry configuration ({@code ${dir}} and {@code ${port}}
     * are replaced by the work directory and the port).
     */
    public Builder config(String yaml) {
      extraConfig.add(yaml);
      return this;
    }

    /** Marks the server as serving TLS (the caller adds the {@code http.tls} configuration). */
    public Builder tls() {
      tls = true;
      return this;
    }

    /** Serves TLS with this certificate and key (PEM), e.g. from {@link TestPki#issueServer}. */
    public Builder tls(Path certificate, Path key) {
      this.tlsCert = certificate;
      this.tlsKey = key;
      return this;
    }

    /** Requires client certificates signed by this CA (mutual TLS; needs {@link #tls(Path, Path)}). */
    public Builder clientCa(Path caCertificate) {
      this.clientCa = caCertificate;
      return this;
    }

    /** Requires HTTP Basic authentication; may be called for several users. */
    public Builder htpasswd(String user, String password) {
      htpasswdUsers.put(user, password);
      return this;
    }

    /** Requires bearer tokens from {@code server} (the registry token flow). */
    public Builder tokenAuth(TokenServer server) {
      this.tokenServer = server;
      return this;
    }

    /** Runs as a pull-through cache of the registry at {@code remote}. */
    public Builder pullThroughCacheOf(URI remote) {
      this.pullThroughRemote = remote;
      return this;
    }

    public RegistryServer build() {
      return new RegistryServer(this);
    }
  }

  private static final class ServerSocketProbe implements AutoCloseable {
    private final int port;
    private java.net.Socket socket;

    ServerSocketProbe(int port) {
      this.port = port;
    }

    boolean open() {
      try {
        socket = new java.net.Socket();
        socket.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 200);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public void close() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // probe socket
        }
      }
    }
  }
}
