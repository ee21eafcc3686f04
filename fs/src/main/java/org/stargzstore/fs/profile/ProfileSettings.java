package org.stargzstore.fs.profile;

import java.time.Duration;

/**
 * Whether and when access profiles are recorded and used (config {@code [fetch]
 * use_access_profiles}, {@code [profiles]}; see docs/profiles.md).
 *
 * @param use record what start-ups open and fetch a stored profile's files first on the next
 *     cold start of the layer
 * @param quiet a layer's profile is saved once no file of it was opened for the first time for
 *     this long (a start-up is over), and at shutdown
 * @param fetch look for a profile in the image's registry when a layer has none here
 * @param publish push saved profiles to the image's repository (writes to the user's registry:
 *     only if asked)
 */
public record ProfileSettings(boolean use, Duration quiet, boolean fetch, boolean publish) {

  /** How long a layer's opening waits for the registry's profile of its image, at most. */
  public static final Duration FETCH_WAIT = Duration.ofSeconds(2);

  /** The daemon's defaults (on, 10 s of quiet, read from registries, never written). */
  public static ProfileSettings defaults() {
    return new ProfileSettings(true, Duration.ofSeconds(10), true, false);
  }

  public static ProfileSettings off() {
    return new ProfileSettings(false, Duration.ofSeconds(10), false, false);
  }
}
