package org.stargzstore.estargz;

import java.io.IOException;

/**
 * A layer blob could not be read as the format it claims to be. Always names the blob, so that a
 * log line or CLI error says which layer is bad. It is an {@link IOException} because to a file
 * system caller it is one (EIO), while tools that care can tell the subtypes apart.
 */
public class LayerFormatException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String blob;
  private final String detail;

  public LayerFormatException(String blob, String message) {
    super(blob + ": " + message);
    this.blob = blob;
    this.detail = message;
  }

  public LayerFormatException(String blob, String message, Throwable cause) {
    super(blob + ": " + message, cause);
    this.blob = blob;
    this.detail = message;
  }

  /** The blob this error is about, as its {@code RangeSource} describes it. */
  public String blob() {
    return blob;
  }

  /** The message without the blob's name in front. */
  public String detail() {
    return detail;
  }
}
