package org.stargzstore.registry;

import java.io.File;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.stargzstore.registry.config.Environment;
import org.stargzstore.registry.http.RetryPolicy;

/**
 * Everything a {@link RegistryClient} reads and how patient it is. {@link #defaults()} reads the
 * files podman reads on this node, in the same order (see {@code docs/registry.md}); tests build
 * one from an {@link Environment} of their own or point every path at a temporary directory.
 * Immutable.
 */
public final class RegistryClientConfig {

  /** An auth file and whether it is in the legacy {@code .dockercfg} format. */
  public record AuthFileSpec(Path path, boolean legacyFormat) {
    public AuthFileSpec {
      Objects.requireNonNull(path);
    }

    public static AuthFileSpec of(Path path) {
      return new AuthFileSpec(path, false);
    }
  }

  private final Path registriesConf;
  private final boolean registriesConfRequired;
  private final List<Path> registriesConfDirs;
  private final List<Path> certsDirs;
  private final List<AuthFileSpec> authFiles;
  private final List<Path> credentialHelperPath;
  private final Platform platform;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration callTimeout;
  private final RetryPolicy retryPolicy;
  private final Duration minimumTokenLifetime;
  private final Duration credentialCacheTtl;
  private final Duration redirectTtl;
  private final int maxIdleConnections;
  private final int blobRequestConcurrency;
  private final long maxCoalescedBytes;
  private final long readAhead;
  private final boolean searchShortNames;
  private final List<String> insecureHosts;
  private final String userAgent;
  private final Clock clock;
  private final Path spoolDirectory;
  private final Duration spoolIdleExpiry;
  private final RangeIgnoredByMirror rangeIgnoredByMirror;
  private final long cacheFillMinRate;

  private RegistryClientConfig(Builder b) {
    this.registriesConf = b.registriesConf;
    this.registriesConfRequired = b.registriesConfRequired;
    this.registriesConfDirs = List.copyOf(b.registriesConfDirs);
    this.certsDirs = List.copyOf(b.certsDirs);
    this.authFiles = List.copyOf(b.authFiles);
    this.credentialHelperPath = List.copyOf(b.credentialHelperPath);
    this.platform = b.platform;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.callTimeout = b.callTimeout;
    this.retryPolicy = b.retryPolicy;
    this.minimumTokenLifetime = b.minimumTokenLifetime;
    this.credentialCacheTtl = b.credentialCacheTtl;
    this.redirectTtl = b.redirectTtl;
    this.maxIdleConnections = b.maxIdleConnections;
    this.blobRequestConcurrency = b.blobRequestConcurrency;
    this.maxCoalescedBytes = b.maxCoalescedBytes;
    this.readAhead = b.readAhead;
    this.spoolDirectory = b.spoolDirectory;
    this.spoolIdleExpiry = b.spoolIdleExpiry;
    this.rangeIgnoredByMirror = b.rangeIgnoredByMirror;
    this.cacheFillMinRate = b.cacheFillMinRate;
    this.searchShortNames = b.searchShortNames;
    this.insecureHosts = List.copyOf(b.insecureHosts);
    this.userAgent = b.userAgent;
    this.clock = b.clock;
  }

  /** What podman reads on this node (this process's environment, home and uid). */
  public static RegistryClientConfig defaults() {
    return forEnvironment(Environment.current()).build();
  }

  /**
   * The files podman would read in {@code env}, as containers/image chooses them:
   * <ul>
   *   <li>registries.conf: {@code $CONTAINERS_REGISTRIES_CONF} (must exist), else
   *       {@code ~/.config/containers/registries.conf} if it exists (drop-ins from
   *       {@code ~/.config/containers/registries.conf.d}), else
   *       {@code /etc/containers/registries.conf}; drop-ins from
   *       {@code /etc/containers/registries.conf.d} then {@code ~/.config/containers/registries.conf.d}.
   *   <li>certs.d: {@code ~/.config/containers/certs.d}, {@code /etc/containers/certs.d},
   *       {@code /etc/docker/certs.d}.
   *   <li>auth files: {@code $REGISTRY_AUTH_FILE} alone if set; else
   *       {@code $XDG_RUNTIME_DIR/containers/auth.json} (or {@code /run/containers/UID/auth.json}
   *       without {@code XDG_RUNTIME_DIR}), {@code $XDG_CONFIG_HOME/containers/auth.json} (or
   *       {@code ~/.config/...}), {@code $DOCKER_CONFIG/config.json} (or
   *       {@code ~/.docker/config.json}), {@code ~/.dockercfg}.
   *   <li>credential helpers: searched on {@code $PATH}.
   * </ul>
   */
  public static Builder forEnvironment(Environment env) {
    Builder b = new Builder();
    Path home = env.home();
    Path userConf = home.resolve(".config/containers/registries.conf");
    Path userDir = home.resolve(".config/containers/registries.conf.d");
    if (env.get("CONTAINERS_REGISTRIES_CONF").isPresent()) {
      b.registriesConf(Path.of(env.get("CONTAINERS_REGISTRIES_CONF").get()), true);
      b.registriesConfDirs(List.of(Path.of("/etc/containers/registries.conf.d"), userDir));
    } else if (java.nio.file.Files.exists(userConf)) {
      b.registriesConf(userConf, false);
      b.registriesConfDirs(List.of(userDir));
    } else {
      b.registriesConf(Path.of("/etc/containers/registries.conf"), false);
      b.registriesConfDirs(List.of(Path.of("/etc/containers/registries.conf.d"), userDir));
    }
    b.certsDirs(List.of(home.resolve(".config/containers/certs.d"),
        Path.of("/etc/containers/certs.d"), Path.of("/etc/docker/certs.d")));
    List<AuthFileSpec> auth = new ArrayList<>();
    if (env.get("REGISTRY_AUTH_FILE").isPresent()) {
      auth.add(AuthFileSpec.of(Path.of(env.get("REGISTRY_AUTH_FILE").get())));
    } else {
      auth.add(AuthFileSpec.of(env.get("XDG_RUNTIME_DIR")
          .map(d -> Path.of(d, "containers/auth.json"))
          .orElse(Path.of("/run/containers/" + env.uid() + "/auth.json"))));
      auth.add(AuthFileSpec.of(env.get("XDG_CONFIG_HOME").map(Path::of)
          .orElse(home.resolve(".config")).resolve("containers/auth.json")));
      auth.add(AuthFileSpec.of(env.get("DOCKER_CONFIG").map(d -> Path.of(d, "config.json"))
          .orElse(home.resolve(".docker/config.json"))));
      auth.add(new AuthFileSpec(home.resolve(".dockercfg"), true));
    }
    b.authFiles(auth);
    List<Path> helperPath = new ArrayList<>();
    for (String d : env.get("PATH").orElse("/usr/local/bin:/usr/bin:/bin")
        .split(File.pathSeparator)) {
      if (!d.isEmpty()) {
        helperPath.add(Path.of(d));
      }
    }
    b.credentialHelperPath(helperPath);
    return b;
  }

  /** Nothing configured: no registries.conf, no certs.d, no auth files. */
  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.registriesConf = registriesConf;
    b.registriesConfRequired = registriesConfRequired;
    b.registriesConfDirs = new ArrayList<>(registriesConfDirs);
    b.certsDirs = new ArrayList<>(certsDirs);
    b.authFiles = new ArrayList<>(authFiles);
    b.credentialHelperPath = new ArrayList<>(credentialHelperPath);
    b.platform = platform;
    b.connectTimeout = connectTimeout;
    b.readTimeout = readTimeout;
    b.callTimeout = callTimeout;
    b.retryPolicy = retryPolicy;
    b.minimumTokenLifetime = minimumTokenLifetime;
    b.credentialCacheTtl = credentialCacheTtl;
    b.redirectTtl = redirectTtl;
    b.maxIdleConnections = maxIdleConnections;
    b.blobRequestConcurrency = blobRequestConcurrency;
    b.maxCoalescedBytes = maxCoalescedBytes;
    b.readAhead = readAhead;
    b.spoolDirectory = spoolDirectory;
    b.spoolIdleExpiry = spoolIdleExpiry;
    b.rangeIgnoredByMirror = rangeIgnoredByMirror;
    b.cacheFillMinRate = cacheFillMinRate;
    b.searchShortNames = searchShortNames;
    b.insecureHosts = new ArrayList<>(insecureHosts);
    b.userAgent = userAgent;
    b.clock = clock;
    return b;
  }

  /** The main registries.conf, or null for none. */
  public Path registriesConf() {
    return registriesConf;
  }

  public boolean registriesConfRequired() {
    return registriesConfRequired;
  }

  public List<Path> registriesConfDirs() {
    return registriesConfDirs;
  }

  public List<Path> certsDirs() {
    return certsDirs;
  }

  public List<AuthFileSpec> authFiles() {
    return authFiles;
  }

  public List<Path> credentialHelperPath() {
    return credentialHelperPath;
  }

  public Platform platform() {
    return platform;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** The longest pause between two reads of a response (a stalled server). */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** The default deadline of one whole operation, null for none. */
  public Duration callTimeout() {
    return callTimeout;
  }

  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** Tokens are kept at least this long even if the server says less (containers/image: 60 s). */
  public Duration minimumTokenLifetime() {
    return minimumTokenLifetime;
  }

  public Duration credentialCacheTtl() {
    return credentialCacheTtl;
  }

  /** How long a blob storage URL a registry redirected to is reused. */
  public Duration redirectTtl() {
    return redirectTtl;
  }

  public int maxIdleConnections() {
    return maxIdleConnections;
  }

  /**
   * Range requests one blob has in flight before further reads queue and are merged into fewer,
   * larger requests (default 4).
   */
  public int blobRequestConcurrency() {
    return blobRequestConcurrency;
  }

  /** The largest request queued reads are merged into. */
  public long maxCoalescedBytes() {
    return maxCoalescedBytes;
  }

  /**
   * How far beyond a sequential merged read a request reaches, for readers that attach to it
   * while it streams (0: never beyond what is asked). Bytes nobody waits for are not kept.
   */
  public long readAhead() {
    return readAhead;
  }

  /**
   * Where blobs sent whole by a server that ignored {@code Range} are spooled, so each costs one
   * transfer however many reads it serves (emptied when the client starts; null: no spooling,
   * every range read of such a server transfers the blob up to the range).
   */
  public Path spoolDirectory() {
    return spoolDirectory;
  }

  /**
   * How long a complete spool is kept after its last read (default 60 s); then it is deleted and
   * the blob's next read asks for a range again.
   */
  public Duration spoolIdleExpiry() {
    return spoolIdleExpiry;
  }

  /**
   * What a read does when a mirror with another source after it ignores {@code Range} (default
   * {@link RangeIgnoredByMirror#WAIT_FOR_CACHE}); a source with none after it is spooled.
   */
  public RangeIgnoredByMirror rangeIgnoredByMirror() {
    return rangeIgnoredByMirror;
  }

  /**
   * The slowest rate, in bytes per second, at which a mirror is expected to fill its cache with a
   * blob (default 1 MiB/s): a blob's wait for the mirror lasts at most its size at this rate (at
   * least 5 s), and each read waits at most half of its own deadline; then reads go to the next
   * source.
   */
  public long cacheFillMinRate() {
    return cacheFillMinRate;
  }

  /**
   * Whether short names ({@code busybox}) are tried against registries.conf's
   * unqualified-search registries (off: they mean Docker Hub, as in Docker).
   */
  public boolean searchShortNames() {
    return searchShortNames;
  }

  /**
   * Registries ({@code host[:port]}) treated as insecure in addition to registries.conf, as
   * podman's {@code --tls-verify=false} does: plain HTTP allowed, TLS not verified.
   */
  public List<String> insecureHosts() {
    return insecureHosts;
  }

  public String userAgent() {
    return userAgent;
  }

  public Clock clock() {
    return clock;
  }

  /** Builds a {@link RegistryClientConfig}. */
  public static final class Builder {
    private Path registriesConf;
    private boolean registriesConfRequired;
    private List<Path> registriesConfDirs = new ArrayList<>();
    private List<Path> certsDirs = new ArrayList<>();
    private List<AuthFileSpec> authFiles = new ArrayList<>();
    private List<Path> credentialHelperPath = new ArrayList<>();
    private Platform platform = Platform.current();
    private Duration connectTimeout = Duration.ofSeconds(30);
    private Duration readTimeout = Duration.ofSeconds(60);
    private Duration callTimeout;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private Duration minimumTokenLifetime = Duration.ofSeconds(60);
    private Duration credentialCacheTtl = Duration.ofSeconds(60);
    private Duration redirectTtl = Duration.ofMinutes(10);
    private int maxIdleConnections = 32;
    private int blobRequestConcurrency = 4;
    private long maxCoalescedBytes = 32L << 20;
    private long readAhead = 128L << 20;
    private boolean searchShortNames;
    private List<String> insecureHosts = new ArrayList<>();
    private String userAgent = "stargz-registry-storage";
    private Clock clock = Clock.systemUTC();
    private Path spoolDirectory;
    private Duration spoolIdleExpiry = Duration.ofSeconds(60);
    private RangeIgnoredByMirror rangeIgnoredByMirror = RangeIgnoredByMirror.WAIT_FOR_CACHE;
    private long cacheFillMinRate = 1L << 20;

    private Builder() {}

    /** @param required true if a missing file is an error (a path the user chose) */
    public Builder registriesConf(Path file, boolean required) {
      this.registriesConf = file;
      this.registriesConfRequired = required;
      return this;
    }

    public Builder registriesConfDirs(List<Path> dirs) {
      this.registriesConfDirs = new ArrayList<>(dirs);
      return this;
    }

    public Builder certsDirs(List<Path> dirs) {
      this.certsDirs = new ArrayList<>(dirs);
      return this;
    }

    public Builder authFiles(List<AuthFileSpec> files) {
      this.authFiles = new ArrayList<>(files);
      return this;
    }

    public Builder credentialHelperPath(List<Path> dirs) {
      this.credentialHelperPath = new ArrayList<>(dirs);
      return this;
    }

    public Builder platform(Platform p) {
      this.platform = Objects.requireNonNull(p);
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    public Builder readTimeout(Duration d) {
      this.readTimeout = d;
      return this;
    }

    public Builder callTimeout(Duration d) {
      this.callTimeout = d;
      return this;
    }

    public Builder retryPolicy(RetryPolicy p) {
      this.retryPolicy = Objects.requireNonNull(p);
      return this;
    }

    public Builder minimumTokenLifetime(Duration d) {
      this.minimumTokenLifetime = d;
      return this;
    }

    public Builder credentialCacheTtl(Duration d) {
      this.credentialCacheTtl = d;
      return this;
    }

    public Builder redirectTtl(Duration d) {
      this.redirectTtl = d;
      return this;
    }

    public Builder maxIdleConnections(int n) {
      this.maxIdleConnections = n;
      return this;
    }

    public Builder blobRequestConcurrency(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("blobRequestConcurrency must be at least 1: " + n);
      }
      this.blobRequestConcurrency = n;
      return this;
    }

    public Builder maxCoalescedBytes(long n) {
      this.maxCoalescedBytes = n;
      return this;
    }

    public Builder readAhead(long bytes) {
      this.readAhead = bytes;
      return this;
    }

    public Builder searchShortNames(boolean on) {
      this.searchShortNames = on;
      return this;
    }

    public Builder insecureHosts(List<String> hosts) {
      this.insecureHosts = new ArrayList<>(hosts);
      return this;
    }

    public Builder userAgent(String ua) {
      this.userAgent = ua;
      return this;
    }

    /** @param dir where to spool blobs sent whole (its {@code *.spool} files are deleted) */
    public Builder spoolDirectory(Path dir) {
      this.spoolDirectory = dir;
      return this;
    }

    public Builder spoolIdleExpiry(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("spoolIdleExpiry must not be negative: " + d);
      }
      this.spoolIdleExpiry = d;
      return this;
    }

    public Builder rangeIgnoredByMirror(RangeIgnoredByMirror policy) {
      this.rangeIgnoredByMirror = java.util.Objects.requireNonNull(policy);
      return this;
    }

    /** @param bytesPerSecond see {@link RegistryClientConfig#cacheFillMinRate()} */
    public Builder cacheFillMinRate(long bytesPerSecond) {
      if (bytesPerSecond <= 0) {
        throw new IllegalArgumentException("cacheFillMinRate must be positive: "
            + bytesPerSecond);
      }
      this.cacheFillMinRate = bytesPerSecond;
      return this;
    }

    public Builder clock(Clock c) {
      this.clock = c;
      return this;
    }

    public RegistryClientConfig build() {
      return new RegistryClientConfig(this);
    }
  }
}
