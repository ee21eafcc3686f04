package org.stargzstore.daemon.config;

/**
 * A bad value or unknown name in the configuration, with the table and key it is about, so that
 * {@link DaemonConfig#load} can add the file's line number to the message.
 */
final class ConfigKeyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String section;
  private final String key;

  /** {@code key} is null when the message is about the table {@code [section]} itself. */
  ConfigKeyException(String section, String key, String message) {
    super(message);
    this.section = section;
    this.key = key;
  }

  String section() {
    return section;
  }

  String key() {
    return key;
  }
}
