package org.stargzstore.daemon.config;

/**
 * A TCP address to listen on, {@code HOST:PORT} ({@code [::1]:9464} for IPv6), checked when the
 * configuration is read so that a typo stops the daemon with a message instead of at bind time.
 */
public record ListenAddress(String host, int port) {
  public ListenAddress {
    if (host.isEmpty()) {
      throw new IllegalArgumentException("no host (use e.g. 127.0.0.1:9464)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
    }
  }

  /** Where only this node's processes can connect: the default host. */
  public static final String LOOPBACK = "127.0.0.1";

  /**
   * Parses {@code HOST:PORT}; the host may be an IPv6 literal in brackets. A port alone
   * ({@code 9464} or {@code :9464}) means loopback: exposing the endpoint must be asked for.
   */
  public static ListenAddress parse(String s) {
    int colon = s.lastIndexOf(':');
    if (colon < 0 && !s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
      return parse(LOOPBACK + ":" + s);
    }
    if (colon < 0) {
      throw new IllegalArgumentException("'" + s + "' is not HOST:PORT (e.g. 127.0.0.1:9464)");
    }
    String host = colon == 0 ? LOOPBACK : s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is not HOST:PORT: the port is not a number");
    }
    return new ListenAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
