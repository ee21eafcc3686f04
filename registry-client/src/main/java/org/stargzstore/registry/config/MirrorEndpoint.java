package org.stargzstore.registry.config;

import java.util.Objects;

/**
 * One place an image can be pulled from: a registry's own location or one of its mirrors, as a
 * {@code [[registry]]} or {@code [[registry.mirror]]} table of registries.conf describes it.
 *
 * @param location {@code host[:port][/namespace]}; empty only for a wildcard registry entry
 * @param insecure plain HTTP allowed and TLS not verified
 * @param pullFromMirror {@code all}, {@code digest-only}, {@code tag-only} or empty (mirrors only)
 */
public record MirrorEndpoint(String location, boolean insecure, String pullFromMirror) {
  public MirrorEndpoint {
    Objects.requireNonNull(location, "location");
    pullFromMirror = pullFromMirror == null ? "" : pullFromMirror;
  }

  /** The {@code host[:port]} part of the location. */
  public String host() {
    int slash = location.indexOf('/');
    return slash < 0 ? location : location.substring(0, slash);
  }
}
