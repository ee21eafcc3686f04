package org.stargzstore.registry;

/**
 * An image reference that does not parse. The message quotes the input and says what is wrong
 * with it (uppercase repository, bad tag, bad digest, too long, ...).
 */
public class InvalidReferenceException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidReferenceException(String input, String reason) {
    super("invalid image reference \"" + input + "\": " + reason);
  }
}
