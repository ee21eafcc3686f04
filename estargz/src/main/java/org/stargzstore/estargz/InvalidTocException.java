package org.stargzstore.estargz;

/**
 * The table of contents is malformed or unsafe: bad JSON, an unsafe name ({@code ..}, absolute),
 * inconsistent offsets or chunk lists, or a size over the reader's limit.
 */
public class InvalidTocException extends LayerFormatException {
  private static final long serialVersionUID = 1L;

  public InvalidTocException(String blob, String message) {
    super(blob, message);
  }

  public InvalidTocException(String blob, String message, Throwable cause) {
    super(blob, message, cause);
  }
}
