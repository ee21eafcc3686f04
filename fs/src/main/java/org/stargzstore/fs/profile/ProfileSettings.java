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
 */
public record ProfileSettings(boolean use, Duration quiet) {

  /** The daemon's defaults (on, 10 s of quiet). */
  public static ProfileSettings defaults() {
    return new ProfileSettings(true, Duration.ofSeconds(10));
  }

  public static ProfileSettings off() {
    return new ProfileSettings(false, Duration.ofSeconds(10));
  }
}
