package org.stargzstore.daemon.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.stargzstore.daemon.config.ByteSize;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.daemon.metrics.MetricsServer;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.fs.als.ImageSource;
import org.stargzstore.fs.als.LayerStore;
import org.stargzstore.fs.als.LayerStorePools;
import org.stargzstore.fs.fetch.ChunkCache;
import org.stargzstore.fs.fetch.FetchContext;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.fs.fuse.MountAudience;
import org.stargzstore.fs.fuse.MountPointCheck;
import org.stargzstore.fs.fuse.kernel.DescriptorKeeper;
import org.stargzstore.fs.fuse.kernel.SessionState;
import org.stargzstore.fs.fuse.kernel.Takeover;
import org.stargzstore.fs.gc.GarbageCollector;
import org.stargzstore.fs.gc.StoreVerifier;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * A running daemon: the store opened, the layer tree mounted, the control socket listening.
 * {@link #close()} undoes it in reverse order (unmount first, so podman sees the store go away
 * before its state does).
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Daemon.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Under the store root: the FUSE session a later daemon takes over (docs/store.md). */
  public static final String SESSION_DIR = "fuse-session";

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private LayerStore layerStore;
  private ImageSource source;
  private FuseMount mount;
  private ControlServer control;

  private Daemon() {}

  /** Opens the store under {@code config.root()} and mounts the layer tree at {@code mountPoint}. */
  public static Daemon start(DaemonConfig config, Path mountPoint, ImageSource source,
      List<LayerFormat> formats, CredentialSink credentials) throws IOException {
    return start(config, mountPoint, source, formats, credentials, null);
  }

  /**
   * As above; with {@code [fuse] takeover} on (kernel backend) and a {@code keeper}, the daemon
   * takes over the connection an earlier daemon left with the keeper instead of mounting, and
   * its {@link #close()} hands the connection over instead of unmounting (docs/fuse.md,
   * "Takeover"). A null keeper: none, the mount ends with the daemon.
   */
  public static Daemon start(DaemonConfig config, Path mountPoint, ImageSource source,
      List<LayerFormat> formats, CredentialSink credentials, DescriptorKeeper keeper)
      throws IOException {
    Daemon d = new Daemon();
    try {
      d.open(config, mountPoint, source, formats, credentials, takeover(config, keeper));
      return d;
    } catch (IOException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /** The takeover the configuration asks for, or null (mount and unmount as usual). */
  private static Takeover takeover(DaemonConfig config, DescriptorKeeper keeper) {
    if (!config.fuseTakeover()) {
      return null;
    }
    if (keeper == null) {
      LOG.info("[fuse] takeover is on but no descriptor keeper is configured: the mount ends "
          + "with this daemon");
      return null;
    }
    return new Takeover(keeper, SessionState.in(config.root().resolve(SESSION_DIR)));
  }

  private void open(DaemonConfig config, Path mountPoint, ImageSource source,
      List<LayerFormat> formats, CredentialSink credentials, Takeover takeover)
      throws IOException {
    this.source = source;
    resources.add(RootLock.acquire(config.root()));
    if (takeover == null) {
      // before the store is opened (a migration can take a while): refuse a mount point another
      // daemon serves, clear our own stale one. With a takeover the mount point may hold the
      // connection an earlier daemon left (not answering until we serve it): checked at mount.
      MountPointCheck.prepareForMount(mountPoint);
    }
    StoreServices store = StoreServices.open(config, formats);
    ExecutorService diskWriter = FetchContext.diskWriter(2);
    resources.add(() -> FetchContext.finishWrites(diskWriter, java.time.Duration.ofSeconds(10)));
    ChunkCache cache = new ChunkCache(store.content, config.memoryCacheBytes(), diskWriter,
        config.streamAboveBytes());
    HeapCheck.log(config, Runtime.getRuntime().maxMemory());
    FetchContext fetch = new FetchContext(cache, config.maxDemandRequests(),
        config.maxBackgroundStreams(), config.backgroundInflightBytes(), config.backgroundQuiet());
    resources.add(fetch);
    WarmupImageSource warmSource = null;
    try {
      warmSource = Warmup.source(source, store.layout.tmpDir());
    } catch (IOException | RuntimeException e) {
      LOG.fine(() -> "no warm-up image: " + e);
    }
    LayerStorePools layerPools = LayerStorePools.start();
    layerStore = new LayerStore(warmSource != null ? warmSource : source, store.opener, fetch,
        store.references, store.images, store.lock, config.layerStoreConfig(),
        store.profiles, layerPools);
    resources.add(layerStore);
    // closed before the layer store (resources close in reverse): openers stop, then layers close
    resources.add(layerPools);
    GarbageCollector gc = store.collector(config, layerStore::loadedLayerDigests);
    ScheduledExecutorService gcTimer = Executors.newSingleThreadScheduledExecutor(
        DaemonThreadFactory.named("store-gc"));
    long every = Math.max(1, config.gcInterval().toSeconds());
    gcTimer.scheduleWithFixedDelay(() -> {
      try {
        gc.collect();
      } catch (IOException | RuntimeException e) {
        LOG.warning("garbage collection failed: " + e.getMessage());
      }
    }, every, every, TimeUnit.SECONDS);
    resources.add(gcTimer::shutdownNow);
    mount = FuseMount.mount(layerStore.root(), mountPoint, config.mountOptions(), takeover);
    resources.add(mount);
    LOG.info("FUSE backend: " + config.fuseBackend().configName());
    logAudience(MountAudience.of(mount.mountPoint(), config.allowOther()));
    // before the daemon reports ready: the first container should not pay for a cold JVM (the
    // registry client's warm-up beside the others: it is mostly class loading and waiting)
    Thread registryWarmup = null;
    if (config.registryWarmup()) {
      registryWarmup = DaemonThreadFactory.named("registry-warmup")
          .newThread(() -> RegistryWarmup.run(store.layout.tmpDir()));
      registryWarmup.start();
    }
    Warmup.run(store.layout.tmpDir());
    if (warmSource != null) {
      Warmup.throughMount(mount.mountPoint(), warmSource);
    }
    if (registryWarmup != null) {
      try {
        registryWarmup.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while warming up");
      }
    }
    if (config.metricsAddress() != null) {
      MetricsServer metrics = MetricsServer.start(config.metricsAddress(), layerStore,
          store.content);
      resources.add(metrics);
      LOG.info(() -> "serving metrics at http://" + metrics.address() + "/metrics");
    }
    // the control socket answers only once the mount is up: it doubles as a readiness signal
    control = ControlServer.start(config.controlSocketPath(), Map.of(
        "status", req -> status(),
        "accesses", req -> StatusReport.accesses(layerStore, req.path("image").asText(null)),
        "gc", req -> StoreReports.gc(gc.collect()),
        "du", req -> StoreReports.usage(store.usage()),
        "verify", req -> StoreReports.verify(StoreVerifier.verify(store.content)),
        "credentials", req -> acceptCredentials(req, credentials)));
    resources.add(control);
    LOG.info(() -> "serving layers at " + mount.mountPoint() + " (store " + store.layout.root()
        + ", cache budget " + ByteSize.format(config.cacheMaxBytes()) + ", control socket "
        + control.path() + ")");
  }

  private static void logAudience(MountAudience audience) {
    if (audience.everyUser()) {
      LOG.warning(audience.describe());
    } else {
      LOG.info(audience.describe());
    }
  }

  private static JsonNode acceptCredentials(JsonNode req, CredentialSink sink) {
    JsonNode data = req.path("data");
    if (!data.isObject()) {
      throw new IllegalArgumentException("credentials: 'data' must be an object of "
          + "reference -> {username, password, identityToken}");
    }
    int n = 0;
    Iterator<Map.Entry<String, JsonNode>> it = data.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode c = e.getValue();
      sink.add(e.getKey(), c.path("username").asText(""), c.path("password").asText(""),
          c.path("identityToken").asText(""));
      n++;
    }
    int count = n;
    LOG.info(() -> "received credentials for " + count + " image reference(s)");
    ObjectNode ok = JSON.createObjectNode();
    ok.put("ok", true);
    ok.put("accepted", count);
    return ok;
  }

  public LayerStore layerStore() {
    return layerStore;
  }

  /** What the control socket's {@code status} answers now. */
  public ObjectNode status() {
    return StatusReport.of(layerStore, source);
  }

  public Path mountPoint() {
    return mount.mountPoint();
  }

  /** What {@link #close()} does with the mount, for the stop's log line and systemd. */
  public String stopAction() {
    return mount != null && mount.handsOverAtClose()
        ? "handing the FUSE connection at " + mount.mountPoint() + " over to the next daemon"
        : "unmounting " + (mount != null ? mount.mountPoint() : "nothing");
  }

  /** Blocks until {@link #close()} is called. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public synchronized void close() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        LOG.warning("shutting down: " + e.getMessage());
      }
    }
    resources.clear();
    stopped.countDown();
  }
}
