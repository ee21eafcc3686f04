package org.stargzstore.daemon.run;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.fs.als.CachingLayerOpener;
import org.stargzstore.fs.als.StoredLayerContent;
import org.stargzstore.fs.gc.ForgottenRecords;
import org.stargzstore.fs.gc.GarbageCollector;
import org.stargzstore.fs.gc.StoreUsage;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.ImageRecords;
import org.stargzstore.fs.store.LayerRecords;
import org.stargzstore.fs.store.References;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.fs.store.StoreLock;
import org.stargzstore.types.Digest;

/**
 * The parts of an opened store, wired once: the daemon and the offline {@code store} commands
 * use the same objects, so a report or a collection means the same thing in both.
 * Opening migrates an older format and cleans {@code tmp/}: only one process may hold it (the
 * caller holds the {@link RootLock}).
 */
public final class StoreServices {
  public final StoreLayout layout;
  public final ContentStore content;
  public final LayerRecords layerRecords;
  public final References references;
  public final ImageRecords images;
  public final CachingLayerOpener opener;
  public final StoredLayerContent layerContent;
  public final ProfileStore profiles;
  public final StoreLock lock = new StoreLock();

  private StoreServices(DaemonConfig config, List<LayerFormat> formats) throws IOException {
    layout = new StoreLayout(config.root());
    content = ContentStore.open(layout, config.fsync());
    layerRecords = new LayerRecords(layout, 10_000);
    references = References.load(layout);
    images = new ImageRecords(layout, content);
    opener = new CachingLayerOpener(formats, content, layerRecords, config.tocLimits());
    layerContent = new StoredLayerContent(layerRecords, opener);
    profiles = new ProfileStore(layout, config.fsync());
  }

  public static StoreServices open(DaemonConfig config, List<LayerFormat> formats)
      throws IOException {
    return new StoreServices(config, formats);
  }

  /** A collector for this store's budget; {@code loaded} names layers in use in memory. */
  public GarbageCollector collector(DaemonConfig config, Supplier<Set<Digest>> loaded) {
    return new GarbageCollector(content, references, layerContent, images,
        new ForgottenRecords(layerRecords, references, profiles, images), loaded, lock,
        config.cacheMaxBytes(), config.releaseGrace());
  }

  public StoreUsage.Report usage() throws IOException {
    return StoreUsage.of(content, layerRecords, images, layerContent);
  }
}
