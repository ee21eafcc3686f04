package org.stargzstore.daemon.cli;

/** A failure the user can fix (bad input file, wrong digest): reported in one line, exit 1. */
public class UserException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserException(String message) {
    super(message);
  }

  public UserException(String message, Throwable cause) {
    super(message, cause);
  }
}
