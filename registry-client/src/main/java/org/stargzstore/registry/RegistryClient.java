package org.stargzstore.registry;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.stargzstore.registry.auth.AuthFile;
import org.stargzstore.registry.auth.AuthFiles;
import org.stargzstore.registry.auth.AuthScope;
import org.stargzstore.registry.auth.Credential;
import org.stargzstore.registry.auth.CredentialHelper;
import org.stargzstore.registry.auth.CredentialHelperRunner;
import org.stargzstore.registry.auth.CredentialResolver;
import org.stargzstore.registry.auth.CredentialSource;
import org.stargzstore.registry.auth.InMemoryCredentials;
import org.stargzstore.registry.config.CertsDirectories;
import org.stargzstore.registry.config.PullSource;
import org.stargzstore.registry.config.RegistriesConf;
import org.stargzstore.registry.config.RegistriesConfLoader;
import org.stargzstore.registry.errors.Errors;
import org.stargzstore.registry.errors.NoMatchingPlatformException;
import org.stargzstore.registry.errors.RegistryConfigurationException;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.http.AuthInterceptor;
import org.stargzstore.registry.http.EndpointCaller;
import org.stargzstore.registry.http.HostClients;
import org.stargzstore.registry.http.Repository;
import org.stargzstore.registry.http.TokenClient;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageConfig;
import org.stargzstore.registry.manifest.ImageIndex;
import org.stargzstore.registry.manifest.ImageManifest;
import org.stargzstore.registry.manifest.Manifest;
import org.stargzstore.registry.manifest.ManifestParser;
import org.stargzstore.registry.manifest.PlatformMatcher;
import org.stargzstore.registry.ops.BlobPush;
import org.stargzstore.registry.ops.ManifestPull;
import org.stargzstore.registry.ops.ManifestPut;
import org.stargzstore.types.Digest;

/**
 * A client of the OCI distribution API that reads the configuration podman reads (registries.conf
 * with mirrors and rewrites, certs.d, auth files and credential helpers), so a node that can
 * {@code podman pull} an image can read it lazily with no extra set-up.
 *
 * <pre>
 * RegistryClient client = RegistryClient.create(RegistryClientConfig.defaults());
 * ResolvedImage image = client.resolve(ImageReference.parse("busybox"));
 * RegistryBlob layer = client.blob(image, image.layers().get(0));
 * byte[] tail = layer.read(layer.size() - 65536, 65536);
 * </pre>
 *
 * <p>Thread-safe; create one per process and share it (connections, tokens and what is known
 * about each registry are pooled). Every failure is a typed
 * {@link RegistryException} naming the action and the image.
 */
public final class RegistryClient implements Closeable {
  private static final Logger LOG = Logger.getLogger(RegistryClient.class.getName());
  /** containers/image's limit for a config blob. */
  static final long MAX_CONFIG = 4 << 20;

  private final RegistryClientConfig config;
  private final RegistriesConf registries;
  private final RegistryStats stats = new RegistryStats();
  private final InMemoryCredentials runtimeCredentials = new InMemoryCredentials();
  private final CredentialResolver credentials;
  private final OkHttpClient base;
  private final HostClients hosts;
  private final EndpointCaller caller;
  private final BlobAccess blobs;

  private RegistryClient(RegistryClientConfig config, RegistriesConf registries) {
    this.config = config;
    this.registries = registries;
    CredentialHelperRunner helperRunner = new CredentialHelperRunner(
        config.credentialHelperPath(), java.time.Duration.ofSeconds(30));
    List<CredentialSource> sources = new ArrayList<>();
    sources.add(runtimeCredentials);
    for (String helper : registries.credentialHelpers()) {
      if (helper.equals(RegistriesConf.AUTH_FILES_HELPER)) {
        sources.add(new AuthFiles(config.authFiles().stream()
            .map(f -> new AuthFile(f.path(), f.legacyFormat(), helperRunner)).toList()));
      } else {
        sources.add(new CredentialHelper(helper, helperRunner));
      }
    }
    this.credentials = new CredentialResolver(sources, config.credentialCacheTtl(),
        config.clock());
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(64);
    String userAgent = config.userAgent();
    this.base = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(config.maxIdleConnections(), 5, TimeUnit.MINUTES))
        .dispatcher(dispatcher)
        .socketFactory(new org.stargzstore.registry.http.BufferedSocketFactory(
            Math.toIntExact(config.readTimeout().toMillis()), stats::onBytesReceived))
        .connectTimeout(config.connectTimeout())
        // enforced per socket by the kernel instead (see BufferedSocketFactory)
        .readTimeout(java.time.Duration.ZERO)
        .writeTimeout(config.readTimeout())
        .followRedirects(false)
        .followSslRedirects(false)
        .addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
            .header("User-Agent", userAgent).build()))
        .build();
    this.hosts = new HostClients(base, new CertsDirectories(config.certsDirs()),
        config.retryPolicy(), stats);
    TokenClient tokens = new TokenClient(hosts, config.minimumTokenLifetime(), config.clock(),
        stats);
    hosts.authInterceptor(new AuthInterceptor(credentials, tokens));
    this.caller = new EndpointCaller(hosts, config.retryPolicy(), stats,
        registries::isInsecure, this::authHint);
    this.blobs = new BlobAccess(caller, config.callTimeout(), config.redirectTtl(),
        config.clock(), new ReadCoalescer.Limits(config.blobRequestConcurrency(),
            config.maxCoalescedBytes(), 256 << 10, config.readAhead()),
        new BlobSpools(config.spoolDirectory(), config.spoolIdleExpiry(), stats),
        new CacheFills(config.rangeIgnoredByMirror(), config.cacheFillMinRate()));
  }

  /**
   * Creates a client, reading registries.conf and its drop-ins now (a broken file is reported
   * here, naming it). Auth files and certs.d are read when a registry is first used.
   */
  public static RegistryClient create(RegistryClientConfig config)
      throws RegistryConfigurationException {
    RegistriesConf conf = config.registriesConf() == null ? RegistriesConf.empty()
        : RegistriesConfLoader.load(config.registriesConf(), config.registriesConfDirs(),
            config.registriesConfRequired());
    return new RegistryClient(config, conf.withInsecureHosts(config.insecureHosts()));
  }

  public RegistryClientConfig config() {
    return config;
  }

  /** The merged registries.conf this client follows. */
  public RegistriesConf registriesConf() {
    return registries;
  }

  /** What this client did on the network so far. */
  public RegistryStats stats() {
    return stats;
  }

  /**
   * Credentials registered at runtime (e.g. handed over by podman's layer-store auth helper);
   * consulted before any file or helper.
   */
  public InMemoryCredentials runtimeCredentials() {
    return runtimeCredentials;
  }

  /** Normalises a reference as containers/image does ({@code busybox} to docker.io). */
  public ImageReference normalize(String reference) {
    return ImageReference.parse(reference);
  }

  /**
   * The references to try for user input: the input normalised; or, if short-name search is on
   * and the input is a short name, one per unqualified-search registry.
   */
  public List<ImageReference> candidates(String input) {
    if (!config.searchShortNames() || !ImageReference.isShortName(input)
        || registries.unqualifiedSearchRegistries().isEmpty()) {
      return List.of(ImageReference.parse(input));
    }
    List<ImageReference> out = new ArrayList<>();
    for (String reg : registries.unqualifiedSearchRegistries()) {
      out.add(ImageReference.parse(reg + "/" + input));
    }
    return out;
  }

  /** Resolves user input (see {@link #candidates}), trying each candidate in order. */
  public ResolvedImage resolve(String input) throws RegistryException {
    List<ImageReference> cands = candidates(input);
    List<String> failures = new ArrayList<>();
    RegistryException last = null;
    for (ImageReference c : cands) {
      try {
        return resolve(c);
      } catch (RegistryException e) {
        failures.add(e.getMessage());
        last = e;
      }
    }
    throw cands.size() == 1 ? last : Errors.withMessage(last, "resolving short name \"" + input
        + "\": " + String.join("; ", failures));
  }

  /** Resolves {@code ref} for this node's platform (or the configured one). */
  public ResolvedImage resolve(ImageReference ref) throws RegistryException {
    return resolve(ref, config.platform());
  }

  /** As {@link #resolve(ImageReference)}, telling {@code listener} the chosen manifest early. */
  public ResolvedImage resolve(ImageReference ref, ManifestListener listener)
      throws RegistryException {
    return resolve(ref, config.platform(), listener);
  }

  /**
   * Resolves {@code ref} for {@code platform}: the manifest (through an index if need be), the
   * config, the layers. Mirrors are tried before the registry; the first source that serves the
   * whole lot wins.
   */
  public ResolvedImage resolve(ImageReference ref, Platform platform) throws RegistryException {
    return resolve(ref, platform, ManifestListener.NONE);
  }

  /**
   * As {@link #resolve(ImageReference, Platform)}, telling {@code listener} the chosen manifest
   * before the config is fetched.
   */
  public ResolvedImage resolve(ImageReference ref, Platform platform, ManifestListener listener)
      throws RegistryException {
    List<PullSource> sources = registries.pullSources(ref);
    return Failover.firstServing(sources, "resolving " + ref,
        (src, i) -> resolveAt(ref, src, platform, reorder(sources, i), listener));
  }

  private ResolvedImage resolveAt(ImageReference ref, PullSource src, Platform platform,
      List<PullSource> ordered, ManifestListener listener) throws RegistryException {
    Repository repo = pullRepository(src);
    ManifestResponse m = caller.call(repo, new ManifestPull(src.reference()),
        config.callTimeout());
    Manifest parsed = ManifestParser.parse(m.bytes(), m.mediaType(),
        "manifest of " + src.reference());
    Optional<Digest> indexDigest = Optional.empty();
    if (parsed instanceof ImageIndex index) {
      Descriptor chosen = PlatformMatcher.select(index, platform).orElseThrow(() ->
          new NoMatchingPlatformException("resolving " + ref + ": the image index has no"
              + " manifest for " + platform + " (it has: " + index.manifests().stream()
              .map(d -> String.valueOf(d.platform())).distinct().toList() + ")"));
      indexDigest = Optional.of(m.digest());
      ImageReference byDigest = src.reference().withDigest(chosen.digest());
      m = caller.call(repo, new ManifestPull(byDigest), config.callTimeout());
      parsed = ManifestParser.parse(m.bytes(), m.mediaType(), "manifest of " + byDigest);
      if (!(parsed instanceof ImageManifest)) {
        throw new RegistryProtocolException("resolving " + ref + ": index entry "
            + chosen.digest() + " is itself an index");
      }
    }
    ImageManifest manifest = (ImageManifest) parsed;
    tell(listener, m, manifest, ordered, ref);
    RegistryBlob configBlob = new RegistryBlob(blobs, manifest.config().digest(),
        manifest.config().size(), src.reference().toString(), List.of(repo));
    byte[] configBytes;
    try {
      configBytes = configBlob.readAllVerified(MAX_CONFIG);
    } catch (RegistryException e) {
      throw e;
    } catch (java.io.IOException e) {
      throw new RegistryProtocolException("pulling config of " + src.reference() + ": "
          + e.getMessage(), e);
    }
    ImageConfig cfg = ManifestParser.parseConfig(configBytes, "config of " + src.reference());
    if (cfg.diffIds().size() != manifest.layers().size()) {
      throw new RegistryProtocolException("resolving " + ref + ": the manifest lists "
          + manifest.layers().size() + " layers but the config lists " + cfg.diffIds().size()
          + " diff IDs");
    }
    return new ResolvedImage(ref, src.reference(), indexDigest, m.digest(), m.bytes(), manifest,
        configBytes, cfg, platform, ordered);
  }

  /**
   * Pulls the manifest (or index) {@code ref} names, as served, from the first source that has
   * it. No platform selection.
   */
  public ManifestResponse pullManifest(ImageReference ref) throws RegistryException {
    return Failover.firstServing(registries.pullSources(ref), "pulling manifest " + ref,
        (src, i) -> caller.call(pullRepository(src), new ManifestPull(src.reference()),
            config.callTimeout()));
  }

  private void tell(ManifestListener listener, ManifestResponse served, ImageManifest manifest,
      List<PullSource> ordered, ImageReference ref) {
    if (listener == ManifestListener.NONE) {
      return;
    }
    try {
      List<Repository> locations = locations(ordered);
      listener.manifestChosen(served, manifest, d -> new RegistryBlob(blobs, d.digest(), d.size(),
          ref.toString(), locations));
    } catch (RegistryConfigurationException | RuntimeException e) {
      LOG.log(java.util.logging.Level.WARNING, "manifest listener failed for " + ref, e);
    }
  }

  /** Random and streaming access to one layer (or any blob) of a resolved image. */
  public RegistryBlob blob(ResolvedImage image, Descriptor descriptor)
      throws RegistryConfigurationException {
    return new RegistryBlob(blobs, descriptor.digest(), descriptor.size(),
        image.reference().toString(), locations(image.sources()));
  }

  private List<Repository> locations(List<PullSource> sources)
      throws RegistryConfigurationException {
    List<Repository> locations = new ArrayList<>();
    for (PullSource s : sources) {
      locations.add(pullRepository(s));
    }
    return locations;
  }

  /**
   * Access to blob {@code digest} of repository {@code repo} (mirrors first, as for pulls).
   *
   * @param size the size if known (a descriptor's), else -1 to ask with HEAD
   */
  public RegistryBlob blob(ImageReference repo, Digest digest, long size)
      throws RegistryException {
    return new RegistryBlob(blobs, digest, size, repo.name(),
        locations(registries.pullSources(repo)));
  }

  /** The size of blob {@code digest} in the push target of {@code repo}, if it has it. */
  public OptionalLong blobSize(ImageReference repo, Digest digest) throws RegistryException {
    Repository r = pushRepository(registries.pushTarget(repo), null);
    return caller.call(r, new org.stargzstore.registry.ops.BlobHead(repo.name(), r.path(),
        digest), config.callTimeout());
  }

  /**
   * The OCI image index of the manifests in {@code repo}'s repository whose {@code subject} is
   * {@code subject} (referrers API, OCI distribution 1.1), from the first source that answers;
   * empty if the registry has no referrers API (404): read the referrers tag
   * ({@code sha256-HEX}) with {@link #pullManifest} instead.
   *
   * @param artifactType only referrers of this type (a registry may ignore the filter), or null
   */
  public Optional<byte[]> referrers(ImageReference repo, Digest subject, String artifactType)
      throws RegistryException {
    return Failover.firstServing(registries.pullSources(repo), "listing referrers of " + repo,
        (src, i) -> caller.call(pullRepository(src),
            new org.stargzstore.registry.ops.ReferrersPull(src.reference(), subject,
                artifactType), config.callTimeout()));
  }

  /** Pushes a blob to {@code target}'s repository (its registries.conf location, never a mirror). */
  public PushResult pushBlob(ImageReference target, BlobContent content, PushOptions options)
      throws RegistryException {
    PullSource dest = registries.pushTarget(target);
    String mountFrom = null;
    if (options.mountFrom() != null) {
      PullSource from = registries.pushTarget(options.mountFrom());
      if (from.reference().registry().equals(dest.reference().registry())) {
        mountFrom = from.reference().repository();
      }
    }
    Repository repo = pushRepository(dest, mountFrom);
    return new BlobPush(caller, config.callTimeout()).push(repo, content, mountFrom,
        options.chunkSize());
  }

  /**
   * Pushes a manifest under {@code target}'s tag (or digest) and returns its digest. The blobs it
   * names must be pushed first.
   */
  public Digest pushManifest(ImageReference target, byte[] manifest, String mediaType)
      throws RegistryException {
    PullSource dest = registries.pushTarget(target);
    return caller.call(pushRepository(dest, null),
        new ManifestPut(dest.reference(), manifest, mediaType), config.callTimeout());
  }

  private Repository pullRepository(PullSource s) throws RegistryConfigurationException {
    ImageReference r = s.reference();
    return new Repository(hosts.host(r.apiHost(), s.insecure()), r,
        List.of(AuthScope.pull(r.repository())));
  }

  private Repository pushRepository(PullSource s, String mountFrom)
      throws RegistryConfigurationException {
    ImageReference r = s.reference();
    List<AuthScope> scopes = new ArrayList<>();
    scopes.add(AuthScope.pushPull(r.repository()));
    if (mountFrom != null) {
      scopes.add(AuthScope.pull(mountFrom));
    }
    return new Repository(hosts.host(r.apiHost(), s.insecure()), r, scopes);
  }

  private static List<PullSource> reorder(List<PullSource> sources, int first) {
    List<PullSource> out = new ArrayList<>();
    out.add(sources.get(first));
    for (int i = first + 1; i < sources.size(); i++) {
      out.add(sources.get(i));
    }
    return out;
  }

  private String authHint(String key) {
    try {
      Optional<Credential> c = credentials.resolve(key);
      credentials.invalidate();
      return c.map(cr -> "the registry rejected the credentials for " + key
              + (cr.username().isEmpty() ? "" : " (user " + cr.username() + ")"))
          .orElse("no credentials found for " + key + " in "
              + credentials.sources().stream().map(CredentialSource::describe).toList());
    } catch (RegistryConfigurationException e) {
      return e.getMessage();
    }
  }

  /** Closes pooled connections. */
  @Override
  public void close() {
    blobs.close();
    base.dispatcher().executorService().shutdown();
    base.connectionPool().evictAll();
  }
}
