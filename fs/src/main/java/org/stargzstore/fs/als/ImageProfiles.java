package org.stargzstore.fs.als;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.stargzstore.fs.profile.LayerProfile;
import org.stargzstore.fs.profile.ProfileRegistry;
import org.stargzstore.fs.profile.ProfileSettings;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Which access profile a layer's opening uses, and where saved profiles go: the store's profile
 * of the layer, else (with {@code [profiles] fetch}) the one published beside the image in its
 * registry, looked up once per image manifest as soon as the manifest is in (in parallel with
 * the config and the TOC reads: the lookup takes three to four round trips, which after the
 * resolution made the layer open before its profile) and kept in the store; saved profiles are
 * pushed to the image's repository with {@code [profiles] publish}. Registry failures never fail
 * anything: each kind is logged once per repository.
 */
final class ImageProfiles implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ImageProfiles.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ProfileStore store;
  private final ProfileSettings settings;
  private final Optional<ProfileRegistry> registry;
  private final Supplier<List<MountedImage>> images;
  private final ExecutorService pool;
  private final Map<Digest, CompletableFuture<Map<Digest, LayerProfile>>> fetched =
      new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  /** Images whose publication is queued: saves of several of their layers make one push. */
  private final Set<Digest> publishQueued = ConcurrentHashMap.newKeySet();

  /**
   * @param images the users' images resolved now (whose profiles a saved layer's is part of)
   */
  ImageProfiles(ProfileStore store, ProfileSettings settings, Optional<ProfileRegistry> registry,
      Supplier<List<MountedImage>> images) {
    this.store = store;
    this.settings = settings;
    this.registry = registry;
    this.images = images;
    this.pool = java.util.concurrent.Executors.newSingleThreadExecutor(
        org.stargzstore.types.concurrent.DaemonThreadFactory.named("profiles"));
  }

  /**
   * Starts looking for the published profile of {@code reference}'s manifest, if its layers have
   * none here: as soon as the manifest is in, before the image resolves.
   */
  void manifestKnown(String reference, ImageSource.EarlyManifest manifest) {
    lookUp(new Image(reference, manifest));
  }

  /** As {@link #manifestKnown} (nothing new if the manifest's lookup started already). */
  void imageResolved(MountedImage img) {
    lookUp(Image.of(img));
  }

  private void lookUp(Image img) {
    if (settings.fetch() && registry.isPresent()
        && img.manifest().layers().stream().anyMatch(d -> store.load(d.digest()).isEmpty())) {
      published(img);
    }
  }

  /** What the lookup needs of an image: its reference and manifest (the subject, the layers). */
  private record Image(String reference, ImageSource.EarlyManifest manifest) {
    static Image of(MountedImage img) {
      ResolvedImage r = img.resolved();
      return new Image(img.reference(),
          new ImageSource.EarlyManifest(r.manifestDigest(), r.manifest(), r.layers()));
    }
  }

  /**
   * The files layer {@code layer} of {@code img} should fetch first: its stored profile, else
   * the registry's when it arrives, or nothing if it has not within
   * {@link ProfileSettings#FETCH_WAIT} (the layer is served meanwhile: only its background waits).
   */
  CompletableFuture<List<String>> filesFor(MountedImage img, Digest layer) {
    Optional<LayerProfile> local = store.load(layer);
    if (local.isPresent() || !settings.fetch() || registry.isEmpty()) {
      return CompletableFuture.completedFuture(
          local.map(LayerProfile::files).orElse(List.of()));
    }
    CompletableFuture<List<String>> files = published(Image.of(img)).thenApply(profiles -> {
      LayerProfile p = profiles.get(layer);
      return p == null ? List.<String>of() : p.files();
    });
    files.orTimeout(ProfileSettings.FETCH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return files.exceptionally(e -> {
      if (e instanceof TimeoutException || e.getCause() instanceof TimeoutException) {
        LOG.info(() -> img.reference() + ": its published access profile did not arrive within "
            + ProfileSettings.FETCH_WAIT.toMillis() + " ms; layer " + layer
            + " fetches in the background without it");
      }
      return List.of();
    });
  }

  private CompletableFuture<Map<Digest, LayerProfile>> published(Image img) {
    return fetched.computeIfAbsent(img.manifest().digest(),
        k -> CompletableFuture.supplyAsync(() -> fetch(img), pool));
  }

  private Map<Digest, LayerProfile> fetch(Image img) {
    ProfileRegistry.Subject subject = subject(img);
    Optional<List<LayerProfile>> found;
    try {
      found = registry.orElseThrow().fetch(subject);
    } catch (IOException | RuntimeException e) {
      warnOnce("fetch " + repository(img.reference()), "access profile of " + img.reference()
          + " not used: " + e.getMessage());
      return Map.of();
    }
    if (found.isEmpty()) {
      LOG.fine(() -> img.reference() + ": no access profile published");
      return Map.of();
    }
    Set<Digest> layers = new java.util.HashSet<>();
    img.manifest().layers().forEach(d -> layers.add(d.digest()));
    Map<Digest, LayerProfile> out = new ConcurrentHashMap<>();
    for (LayerProfile p : found.get()) {
      if (layers.contains(p.layer())) {
        out.put(p.layer(), p);
      }
    }
    // kept after the layers have it: the (fsynced) write took 30-250 ms of a cold start's path
    pool.execute(() -> keep(out.values()));
    LOG.info(() -> img.reference() + ": using the access profile published in its registry ("
        + out.size() + " layer(s), " + out.values().stream().mapToInt(p -> p.files().size())
        .sum() + " file(s))");
    return out;
  }

  /** Keeps published profiles in the store, so later starts do not ask again. */
  private void keep(java.util.Collection<LayerProfile> profiles) {
    for (LayerProfile p : profiles) {
      try {
        if (store.load(p.layer()).isEmpty()) {
          store.store(p);
        }
      } catch (IOException e) {
        LOG.warning("could not keep the access profile of layer " + p.layer() + ": " + e);
      }
    }
  }

  /**
   * A layer's profile was saved: publish the profiles of the images that have the layer, once
   * per image however many of its layers were saved meanwhile (the push reads the store when it
   * runs, so it carries every layer saved until then).
   */
  void saved(LayerProfile profile) {
    if (!settings.publish() || registry.isEmpty()) {
      return;
    }
    for (MountedImage img : images.get()) {
      if (img.resolved().layers().stream().noneMatch(d -> d.digest().equals(profile.layer()))
          || !publishQueued.add(img.resolved().manifestDigest())) {
        continue;
      }
      pool.execute(() -> {
        publishQueued.remove(img.resolved().manifestDigest());
        List<LayerProfile> all = new ArrayList<>();
        for (LayerDescriptor d : img.resolved().layers()) {
          store.load(d.digest()).ifPresent(all::add);
        }
        publish(img, all);
      });
    }
  }

  private void publish(MountedImage img, List<LayerProfile> profiles) {
    try {
      registry.orElseThrow().publish(subject(Image.of(img)), profiles);
      LOG.info(() -> "published the access profile of " + img.reference() + " ("
          + profiles.size() + " layer(s)) to its repository");
    } catch (IOException | RuntimeException e) {
      warnOnce("publish " + repository(img.reference()), "could not publish the access profile"
          + " of " + img.reference() + " (further failures for its repository are not logged): "
          + e.getMessage());
    }
  }

  private void warnOnce(String key, String message) {
    if (warned.add(key)) {
      LOG.warning(message);
    } else {
      LOG.fine(message);
    }
  }

  private static String repository(String reference) {
    String r = reference;
    int at = r.indexOf('@');
    r = at >= 0 ? r.substring(0, at) : r;
    int colon = r.lastIndexOf(':');
    return colon > r.lastIndexOf('/') ? r.substring(0, colon) : r;
  }

  private static ProfileRegistry.Subject subject(Image img) {
    byte[] manifest = img.manifest().bytes();
    String mediaType = "application/vnd.oci.image.manifest.v1+json";
    try {
      mediaType = JSON.readTree(manifest).path("mediaType").asText(mediaType);
    } catch (IOException e) {
      // verified bytes that are not JSON cannot have been resolved; keep the OCI default
    }
    return new ProfileRegistry.Subject(img.reference(), img.manifest().digest(), manifest.length,
        mediaType);
  }

  @Override
  public void close() {
    // profiles saved at shutdown are still published, within a few seconds
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
