package org.stargzstore.fs.als;

import java.time.Duration;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.profile.ProfileSettings;

/**
 * Behaviour of the layer store that operators may tune (all in the daemon's config file).
 *
 * @param resolveTimeout how long a lookup may wait for the registry before podman is told to
 *     pull normally
 * @param readTimeout how long a read may wait for its chunks before it fails with EIO
 * @param fetch what is fetched when
 * @param releaseGrace how long an unreferenced layer stays loaded (and its content protected)
 * @param failureRetry how long a registry failure is remembered before the next lookup retries
 * @param prefetchEntrypoint fetch the image's entrypoint, its interpreter and libraries as
 *     soon as its layers are open
 * @param profiles whether start-ups are recorded as access profiles and profiles used
 */
public record LayerStoreConfig(Duration resolveTimeout, Duration readTimeout, FetchPolicy fetch,
    Duration releaseGrace, Duration failureRetry, boolean prefetchEntrypoint,
    ProfileSettings profiles) {

  /** A config with access profiles off (tests that count requests). */
  public LayerStoreConfig(Duration resolveTimeout, Duration readTimeout, FetchPolicy fetch,
      Duration releaseGrace, Duration failureRetry, boolean prefetchEntrypoint) {
    this(resolveTimeout, readTimeout, fetch, releaseGrace, failureRetry, prefetchEntrypoint,
        ProfileSettings.off());
  }

  /**
   * The daemon's defaults, for tests: the daemon builds its own from the config file
   * ({@code DaemonConfig.layerStoreConfig}), whose defaults are these.
   */
  public static LayerStoreConfig defaults() {
    return new LayerStoreConfig(Duration.ofSeconds(30), Duration.ofSeconds(120),
        FetchPolicy.defaults(), Duration.ofMinutes(10), Duration.ofSeconds(5), true,
        ProfileSettings.off());
  }

  /**
   * This config with another fetch policy (entrypoint prefetch off when {@code p} prefetches
   * nothing): a test seam, as {@link #defaults}.
   */
  public LayerStoreConfig withFetch(FetchPolicy p) {
    return new LayerStoreConfig(resolveTimeout, readTimeout, p, releaseGrace, failureRetry,
        prefetchEntrypoint && p.prefetch(), profiles);
  }

  /** This config with other access-profile settings: a test seam, as {@link #defaults}. */
  public LayerStoreConfig withProfiles(ProfileSettings p) {
    return new LayerStoreConfig(resolveTimeout, readTimeout, fetch, releaseGrace, failureRetry,
        prefetchEntrypoint, p);
  }
}
