package org.stargzstore.registry.auth;

import java.util.Objects;

/**
 * A token scope: {@code repository:NAME:ACTIONS}, e.g. {@code repository:library/busybox:pull}.
 */
public record AuthScope(String type, String name, String actions) {

  public AuthScope {
    Objects.requireNonNull(type);
    Objects.requireNonNull(name);
    Objects.requireNonNull(actions);
  }

  public static AuthScope pull(String repository) {
    return new AuthScope("repository", repository, "pull");
  }

  public static AuthScope pushPull(String repository) {
    return new AuthScope("repository", repository, "pull,push");
  }

  /** Parses {@code type:name:actions} (the name may not contain ':'); null if malformed. */
  public static AuthScope parse(String s) {
    String[] p = s.split(":");
    return p.length == 3 ? new AuthScope(p[0], p[1], p[2]) : null;
  }

  @Override
  public String toString() {
    return type + ":" + name + ":" + actions;
  }
}
