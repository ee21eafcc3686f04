package org.stargzstore.fs.als;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.TocLimits;
import org.stargzstore.fs.fetch.ChunkCache;
import org.stargzstore.fs.fetch.FetchContext;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.LayerRecords;
import org.stargzstore.fs.store.References;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.fs.store.StoreLock;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerFormats;

/** A layer store over an image source, optionally mounted: the daemon's wiring, for tests. */
final class StoreHarness implements AutoCloseable {
  final StoreLayout layout;
  final ContentStore content;
  final References references;
  final LayerRecords records;
  final StoreLock lock = new StoreLock();
  final FetchContext fetch;
  final LayerStorePools pools = LayerStorePools.start();
  final LayerStore store;
  final ExecutorService diskWriter;
  FuseMount mount;

  /**
   * Prefetch on (an image's prefetch needs it), no background, a 1 MiB read-ahead: what a test
   * of the predictions sees is what they fetched.
   */
  static final LayerStoreConfig PREDICTIONS_ONLY = LayerStoreConfig.defaults()
      .withFetch(new FetchPolicy(1 << 20, 64 << 10, 256 << 10, true, false, false, 0, 0));

  /** A registry client for a test registry without TLS, reads bounded by 30 s. */
  static RegistryClient registryClient(String insecureHost) throws IOException {
    return RegistryClient.create(RegistryClientConfig.builder()
        .insecureHosts(List.of(insecureHost)).readTimeout(Duration.ofSeconds(30)).build());
  }

  /** A store reading images from a test registry without TLS ({@link #registryClient}). */
  static StoreHarness overRegistry(Path root, String insecureHost, LayerStoreConfig config)
      throws IOException {
    return new StoreHarness(root,
        new RegistryImageSource(registryClient(insecureHost), Duration.ofSeconds(30)), config);
  }

  /** The first layer of the image whose directory in the mount is {@code imageDir}. */
  static Digest firstLayer(Path imageDir) throws IOException {
    return Digest.parse(new ObjectMapper().readTree(imageDir.resolve("manifest").toFile())
        .path("layers").get(0).path("digest").asText());
  }

  /** Whether all of {@code file}'s bytes are in this store's cache (zero chunks need none). */
  boolean isCached(LayerEntry file) {
    return file.chunks().stream().allMatch(c -> c.zeros() || fetch.cache().has(c));
  }

  StoreHarness(Path root, ImageSource source, LayerStoreConfig config) throws IOException {
    this(root, source, config, TocLimits.DEFAULT, java.time.Duration.ZERO);
  }

  /** With the daemon's {@code [fetch] background_quiet}. */
  StoreHarness(Path root, ImageSource source, LayerStoreConfig config,
      java.time.Duration backgroundQuiet) throws IOException {
    this(root, source, config, TocLimits.DEFAULT, backgroundQuiet);
  }

  /** With the TOC limits the daemon takes from {@code [fetch] max_toc_entries}. */
  StoreHarness(Path root, ImageSource source, LayerStoreConfig config, TocLimits limits)
      throws IOException {
    this(root, source, config, limits, java.time.Duration.ZERO);
  }

  private StoreHarness(Path root, ImageSource source, LayerStoreConfig config, TocLimits limits,
      java.time.Duration backgroundQuiet) throws IOException {
    layout = new StoreLayout(root);
    content = ContentStore.open(layout, false);
    references = References.load(layout);
    records = new LayerRecords(layout, 1000);
    diskWriter = FetchContext.diskWriter(2);
    fetch = new FetchContext(new ChunkCache(content, 64 << 20, diskWriter), 16, 2, 1 << 20,
        backgroundQuiet);
    store = new LayerStore(source,
        new CachingLayerOpener(LayerFormats.all(), content, records, limits), fetch, references,
        new ImageRecords(layout, content), lock, config, new ProfileStore(layout, false),
        pools);
  }

  Path mount(Path mountPoint) throws IOException {
    return mount(mountPoint, MountOptions.Backend.LIBFUSE);
  }

  Path mount(Path mountPoint, MountOptions.Backend backend) throws IOException {
    mount = FuseMount.mount(store.root(), mountPoint, MountOptions.defaults().withBackend(backend));
    return mount.mountPoint();
  }

  @Override
  public void close() {
    if (mount != null) {
      mount.close();
    }
    pools.close();
    store.close();
    fetch.close();
    FetchContext.finishWrites(diskWriter, java.time.Duration.ofSeconds(10));
  }
}
