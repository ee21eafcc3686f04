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

  public LayerFormatException(String blob, String message) {
    super(blob + ": " + message);
    this.blob = blob;
  }

  public LayerFormatException(String blob, String message, Throwable cause) {
    super(blob + ": " + message, cause);
    this.blob = blob;
  }

  /** The blob this error is about, as its {@code RangeSource} describes it. */
  public String blob() {
    return blob;
  }
}
