package org.stargzstore.estargz;

/** The blob's tail is not a footer of any known format, or points outside the blob (truncation). */
public final class InvalidFooterException extends LayerFormatException {
  private static final long serialVersionUID = 1L;

  public InvalidFooterException(String blob, String message) {
    super(blob, message);
  }

  public InvalidFooterException(String blob, String message, Throwable cause) {
    super(blob, message, cause);
  }
}
