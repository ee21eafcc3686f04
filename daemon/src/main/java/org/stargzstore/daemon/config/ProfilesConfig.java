package org.stargzstore.daemon.config;

import java.time.Duration;
import org.stargzstore.fs.profile.ProfileSettings;

/**
 * The access-profile keys ({@code [fetch] use_access_profiles}, {@code [profiles]}): recording
 * start-ups and fetching their files first is on by default and stays on this node; sharing
 * profiles through the registry reads by default and writes only when asked (it writes to the
 * user's repository). See docs/profiles.md.
 *
 * @param use record start-ups and use stored profiles
 * @param quiet how long a layer's start-up must be quiet before its profile is saved
 * @param publish push saved profiles to the image's repository as OCI artifacts
 * @param fetch look for a published profile when an image without a local profile is resolved
 */
public record ProfilesConfig(boolean use, Duration quiet, boolean publish, boolean fetch) {

  /** What the layer store needs of it. */
  public ProfileSettings settings() {
    return new ProfileSettings(use, quiet, fetch, publish);
  }
}
