package org.stargzstore.daemon.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.stargzstore.daemon.BuildVersion;
import org.stargzstore.fs.als.LayerStore;
import org.stargzstore.fs.als.MountedImage;
import org.stargzstore.fs.als.MountedLayer;
import org.stargzstore.fs.als.NotLazyException;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.fetch.FetchStats;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.types.LayerDescriptor;

/**
 * The daemon's own metrics, the counters {@code status} shows: every value is read from the
 * layer store when Prometheus scrapes (callback metrics), so the read path counts nothing more
 * than it already does. Only users' images count: the daemon's warm-up image is left out.
 */
public final class DaemonMetrics {
  /** The prefix of every metric of the daemon's own. */
  public static final String PREFIX = "stargz_registry_storage_";
  /** How long a scan of the store for its size is reused. */
  private static final Duration STORE_SCAN_MAX_AGE = Duration.ofSeconds(30);

  private final LayerStore store;
  private final FetchTotals fetchTotals = new FetchTotals();

  private DaemonMetrics(LayerStore store) {
    this.store = store;
  }

  /** Registers the daemon's metrics over {@code store} and {@code content} in {@code registry}. */
  public static void register(PrometheusRegistry registry, LayerStore store,
      ContentStore content) {
    new DaemonMetrics(store).registerIn(registry, new StoreSize(content, STORE_SCAN_MAX_AGE));
  }

  private void registerIn(PrometheusRegistry registry, StoreSize storeSize) {
    Info.builder().name(PREFIX + "build_info")
        .help("The version of the running daemon (the value is always 1)")
        .labelNames("version").register(registry).setLabelValues(BuildVersion.get());

    CounterWithCallback.builder().name(PREFIX + "fetched_bytes_total")
        .help("Compressed layer bytes received from registries, by why they were asked for")
        .labelNames("reason")
        .callback(cb -> {
          Map<FetchReason, Long> bytes = fetchTotals().bytesByReason();
          for (FetchReason r : FetchReason.values()) {
            cb.call(bytes.getOrDefault(r, 0L), r.label());
          }
        }).register(registry);
    counter(registry, "fetch_requests_total", "Range requests made for layer content",
        FetchTotals.Totals::requests);
    counter(registry, "demand_requests_total",
        "Range requests made because a container's read found its chunks missing",
        FetchTotals.Totals::demandRequests);
    counter(registry, "chunks_fetched_total", "Chunks fetched, verified and cached",
        FetchTotals.Totals::chunksFetched);
    counter(registry, "reads_waited_total",
        "Reads that found their chunks missing and waited for the network",
        FetchTotals.Totals::readsWaited);
    CounterWithCallback.builder().name(PREFIX + "read_wait_seconds_total")
        .help("Total time reads waited for the network (divide by reads_waited for the mean)")
        .callback(cb -> cb.call(fetchTotals().readWaitMillis() / 1000.0))
        .register(registry);
    counter(registry, "verify_failures_total",
        "Chunks whose content did not match their TOC digest (never served: the read got EIO)",
        FetchTotals.Totals::verifyFailures);
    counter(registry, "fetch_errors_total", "Range requests that failed (network, registry)",
        FetchTotals.Totals::fetchErrors);

    CounterWithCallback.builder().name(PREFIX + "fallbacks_total")
        .help("Times podman was told to pull an image or layer normally, by reason")
        .labelNames("reason")
        .callback(cb -> {
          Map<String, Long> counts = store.counters().snapshot();
          for (NotLazyException.Reason r : NotLazyException.Reason.values()) {
            cb.call(counts.getOrDefault(r.code(), 0L), r.code());
          }
        }).register(registry);

    GaugeWithCallback.builder().name(PREFIX + "images")
        .help("Images resolved (served to podman) since the daemon started")
        .callback(cb -> cb.call(store.images().size())).register(registry);
    GaugeWithCallback.builder().name(PREFIX + "layers_served")
        .help("Layers loaded now and served lazily")
        .callback(cb -> cb.call(loadedLayers().size())).register(registry);
    GaugeWithCallback.builder().name(PREFIX + "store_bytes")
        .help("Bytes in the store's blobs/ (as store du; rescanned at most every 30 s)")
        .callback(cb -> cb.call(storeSize.get().bytes())).register(registry);
    GaugeWithCallback.builder().name(PREFIX + "store_files")
        .help("Blobs in the store's blobs/ (as store du; rescanned at most every 30 s)")
        .callback(cb -> cb.call(storeSize.get().files())).register(registry);
  }

  private void counter(PrometheusRegistry registry, String name, String help,
      ToLongFunction<FetchTotals.Totals> value) {
    CounterWithCallback.builder().name(PREFIX + name).help(help)
        .callback(cb -> cb.call(value.applyAsLong(fetchTotals())))
        .register(registry);
  }

  private FetchTotals.Totals fetchTotals() {
    List<FetchStats> stats = new ArrayList<>();
    for (MountedLayer l : loadedLayers()) {
      stats.add(l.fetcher().stats());
    }
    return fetchTotals.sum(stats);
  }

  /** The users' layers loaded now, each once (a layer may be shared by images). */
  private List<MountedLayer> loadedLayers() {
    Map<MountedLayer, Boolean> layers = new IdentityHashMap<>();
    for (MountedImage img : store.images()) {
      for (LayerDescriptor d : img.resolved().layers()) {
        store.loadedLayer(d.digest()).ifPresent(l -> layers.put(l, Boolean.TRUE));
      }
    }
    return new ArrayList<>(layers.keySet());
  }
}
