package org.stargzstore.daemon.cli;

/** Options that do not fit together: reported with a usage hint, exit 2. */
public final class UsageException extends UserException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
